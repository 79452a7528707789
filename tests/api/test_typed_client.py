"""A TypeScript client generated from the OpenAPI document (``openapi-typescript``, the reference
of issue 11) type-checks a file that uses the contract's values and refuses one that assigns a
state no machine has. The pinned npm tools are installed by ``scripts/typed-client.sh`` into
``tests/typed_client/node_modules`` (git-ignored). Under CI=true missing node/npm fail the run;
elsewhere the test is skipped with a loud notice.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from services.api.app import create_app
from shared.config import Settings
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tests" / "typed_client"
BIN = TOOLS / "node_modules" / ".bin"
TSC_FLAGS = ["--noEmit", "--strict", "--target", "es2022", "--module", "esnext"]
TSC_FLAGS += ["--moduleResolution", "bundler"]


def _need_node() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed: the typed-client check cannot run"
    if IN_CI:
        pytest.fail(message)
    print(f"\n!!!!! {message.upper()}: SKIPPED !!!!!\n")
    pytest.skip(message)


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def client_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the generated client (``api.d.ts``) and the two files that use it."""
    _need_node()
    installed = _run(ROOT / "scripts" / "typed-client.sh", cwd=ROOT)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    folder = tmp_path_factory.mktemp("typed-client")
    # The document does not depend on the database: an app that never connects serves it.
    app = create_app(Settings(env="test", database_url="sqlite+aiosqlite:///:memory:"))
    (folder / "openapi.json").write_text(json.dumps(app.openapi()))
    generated = _run(BIN / "openapi-typescript", "openapi.json", "-o", "api.d.ts", cwd=folder)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    for source in ("valid.ts", "invalid.ts"):
        shutil.copy(TOOLS / source, folder / source)
    return folder


def test_the_generated_client_names_every_state(client_dir: Path) -> None:
    client = (client_dir / "api.d.ts").read_text()
    assert '"awaiting_feedback"' in client and '"district_review"' in client


def test_a_file_using_the_contracts_values_compiles(client_dir: Path) -> None:
    checked = _run(BIN / "tsc", *TSC_FLAGS, "valid.ts", cwd=client_dir)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_unknown_state_does_not_compile(client_dir: Path) -> None:
    checked = _run(BIN / "tsc", *TSC_FLAGS, "invalid.ts", cwd=client_dir)
    assert checked.returncode != 0
    # It fails for the reason it is there for, not for a broken setup.
    assert "TS2322" in checked.stdout and '"no_such_state"' in checked.stdout, checked.stdout
    assert checked.stdout.count("error TS") == 1, checked.stdout
