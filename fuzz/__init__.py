"""Schemathesis against a live Tongxin: every operation of the OpenAPI document, every phase
(examples, coverage, fuzzing, stateful), as the admin of a real organisation, checking that no
answer is a 5xx and every answer matches its documented schema and media type.

``make fuzz`` runs it long (``python -m fuzz``); ``tests/test_fuzz.py`` runs it short on both
databases inside the suite. A fresh database each run: migrated, one organisation and its admin.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get(
    "TONGXIN_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_HOST_URL = os.environ.get("TONGXIN_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
ADMIN, PASSWORD = "fuzz-admin", "fuzz-admin-password"


@dataclass(frozen=True)
class Budget:
    """How much to try: examples per operation and phase, parallel workers, time."""

    max_examples: int
    phases: str = "examples,coverage,fuzzing,stateful"
    workers: int = 1
    seed: int | None = None
    # A cap on the whole schemathesis run: its phases share it, and fuzzing and stateful
    # chains repeat until it is spent.
    max_time: int | None = None
    # Who calls: the admin keeps the organisation, staff run its work (supervision, the
    # consultation workflow); each role's writes are only reached past its own role rule.
    roles: tuple[str, ...] = ("admin",)


@dataclass
class Outcome:
    exit_code: int
    output: str
    server_errors: list[str]
    seconds: float

    @property
    def summary(self) -> str:
        lines = [line for line in self.output.splitlines() if line.strip()]
        return "\n".join(lines[-40:])


def run(backend: str, budget: Budget, workdir: Path) -> Outcome:
    """Fuzz a fresh ``backend`` ("postgres" or "sqlite") database; the schemathesis run's exit
    code, its output, and the server's unhandled errors (the tracebacks behind any 5xx)."""
    started = time.monotonic()
    with _database(backend, workdir) as url:
        env = {**_clean_env(), "TONGXIN_DATABASE_URL": url, "TONGXIN_ENV": "test"}
        _tongxin(env, "migrate")
        _tongxin(env, "init", "--org", "模糊测试政协", "--admin", ADMIN, "--password", PASSWORD)
        log = workdir / "server.log"
        with _server(env, log) as base:
            admin = _token(base, ADMIN)
            # Every login made before any pass, so none depends on what an earlier pass changed.
            tokens = {
                r: admin if r == "admin" else _token(base, _user(base, admin, r))
                for r in budget.roles
            }
            exit_code, output = 0, ""
            for role, token in tokens.items():
                result = subprocess.run(
                    _schemathesis_args(base, token, budget, workdir / role),
                    capture_output=True,
                    text=True,
                    check=False,
                    cwd=workdir,  # schemathesis keeps a crash cache in its working directory
                    env={**env, "SCHEMATHESIS_HOOKS": "fuzz.hooks", "PYTHONPATH": str(ROOT)},
                )
                exit_code = exit_code or result.returncode
                output += f"\n=== as {role} ===\n{result.stdout}{result.stderr}"
        errors = _unhandled(log.read_text(errors="replace"))
    return Outcome(exit_code, output, errors, time.monotonic() - started)


def _schemathesis_args(base: str, token: str, budget: Budget, workdir: Path) -> list[str]:
    args = [
        str(BIN / "schemathesis"),
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        budget.phases,
        "--max-examples",
        str(budget.max_examples),
        "--workers",
        str(budget.workers),
        "--header",
        f"Authorization: Bearer {token}",
        "--request-timeout",
        "60",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-dir",
        str(workdir / "report"),
        "--no-color",
    ]
    if budget.seed is not None:
        args += ["--seed", str(budget.seed)]
    if budget.max_time is not None:
        args += ["--max-time", str(budget.max_time // len(budget.roles))]
    return args


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TONGXIN_")}


def _tongxin(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "tongxin"), *args], env=env, check=True, capture_output=True)


@contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'fuzz.db'}"
        return
    name = f"tongxin_fuzz_{os.getpid()}"
    asyncio.run(
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    )
    try:
        yield f"{PG_HOST_URL}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(BIN / "tongxin"), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(base, server)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"tongxin serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("tongxin serve did not answer /healthz within 120 s")


def _user(base: str, admin_token: str, role: str) -> str:
    """A login of ``role`` in the fuzzed organisation, made by its admin; its username."""
    username = f"fuzz-{role}"
    body = {"username": username, "password": PASSWORD, "role": role, "display_name": role}
    request = urllib.request.Request(
        f"{base}/api/v1/users",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60):
        return username


def _token(base: str, username: str) -> str:
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{base}/api/v1/auth/token", data=form, timeout=60) as answer:
        body = answer.read().decode()
    match = re.search(r'"access_token":"([^"]+)"', body)
    if match is None:
        raise RuntimeError(f"no access token in {body!r}")
    return match.group(1)


def _unhandled(log: str) -> list[str]:
    """The last line of each traceback the server logged (its JSON log escapes newlines)."""
    found = []
    for line in log.splitlines():
        if '"unhandled error"' in line:
            tail = line.rsplit("\\n", 2)
            found.append(tail[-1][:300] if len(tail) < 2 else (tail[-2] or tail[-1])[:300])
    return found


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="tongxin-fuzz-")
