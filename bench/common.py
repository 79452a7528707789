"""What every benchmark needs: a throw-away PostgreSQL database, servers in subprocesses, a load
driver with fixed concurrency, percentiles and result tables.

The driver runs in the benchmark's own process and competes with the servers for the CPUs, as
does whatever else the machine is doing; so subjects take turns, and tables also show each
server's own CPU time per request (from ``/proc``), the figure least bent by that competition.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("TONGXIN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_HOST = PG_ADMIN_DSN.rsplit("/", 1)[0]
ADMIN_PASSWORD = "tongxin-bench-password"
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on uvloop when it is installed (a cheaper driver leaves more CPU to the
    servers under test)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


# --- databases ---------------------------------------------------------------------------------


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@dataclass(frozen=True)
class Database:
    name: str

    @property
    def dsn(self) -> str:  # for asyncpg
        return f"{PG_HOST}/{self.name}"

    @property
    def url(self) -> str:  # for SQLAlchemy and TONGXIN_DATABASE_URL
        return self.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


@contextmanager
def fresh_database(name: str) -> Iterator[Database]:
    """An empty database, dropped again afterwards (also when the benchmark fails)."""
    run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield Database(name)
    finally:
        run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        print(f"dropped database {name}", flush=True)


def migrate(database: Database) -> None:
    """Every migration head, exactly as ``tongxin migrate`` does it."""
    from alembic import command

    from services.cli import alembic_config

    command.upgrade(alembic_config(database.url), "heads")


async def create_organisation(database: Database, name: str, admin: str) -> None:
    """An organisation and its admin, through the same command ``tongxin init`` uses."""
    from services.seed import init_organisation
    from shared.config import Settings

    settings = Settings(env="test", database_url=database.url)
    await init_organisation(settings, name, admin, ADMIN_PASSWORD)


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if httpx.get(server.base_url + path, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    tail = "\n".join(server.log_path.read_text(errors="replace").splitlines()[-30:])
    raise RuntimeError(f"{server.name} did not start; its log ends:\n{tail}")


@contextmanager
def serve(
    name: str,
    argv: Sequence[str],
    port: int,
    *,
    env: dict[str, str] | None = None,
    unset: Sequence[str] = (),
    ready_path: str = "/",
) -> Iterator[Server]:
    """Start ``argv`` (a server listening on ``port``), wait until ``ready_path`` answers 200,
    and stop it afterwards. ``env`` is added to this process's environment, ``unset`` taken
    from it. The server's output goes to a log file, shown if it fails to start."""
    log_path = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k not in unset} | (env or {}),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(name, f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_ready(server, ready_path, timeout=30)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_path.unlink(missing_ok=True)


@contextmanager
def tongxin_server(database: Database, **env: str) -> Iterator[Server]:
    """``tongxin serve`` on a free port (no Redis configured: the embedded worker runs)."""
    port = free_port()
    settings = {"TONGXIN_DATABASE_URL": database.url, "TONGXIN_ENV": "test", **env}
    argv = [sys.executable, "-m", "services.cli", "serve", "--port", str(port)]
    unset = ["TONGXIN_REDIS_URL"]
    with serve("tongxin", argv, port, env=settings, unset=unset, ready_path="/healthz") as server:
        yield server


def login(server: Server, username: str, password: str = ADMIN_PASSWORD) -> dict[str, str]:
    """A real access token from ``POST /api/v1/auth/token``, as request headers."""
    response = httpx.post(
        f"{server.base_url}/api/v1/auth/token",
        data={"username": username, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# --- load --------------------------------------------------------------------------------------

# A request of a load run: method, path (with query) and JSON body or None. It is given the
# request's sequence number for its subject, so bodies can be unique and ids can rotate.
Request = tuple[str, str, Any]
RequestMaker = Callable[[int], Request]


@dataclass
class Subject:
    """One thing to measure: a server and the requests to send it."""

    label: str
    server: Server
    make: RequestMaker
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Load:
    """The same load for every subject: ``concurrency`` clients in a closed loop, for
    ``requests`` requests or ``duration`` seconds in all, split into ``rounds`` turns, after
    ``warmup`` seconds whose figures are discarded."""

    concurrency: int = 16
    requests: int | None = None
    duration: float = 8.0
    rounds: int = 4
    warmup: float = 1.0
    ok: frozenset[int] = frozenset({200, 201})


@dataclass
class Result:
    label: str
    latencies: list[float] = field(default_factory=list)  # seconds, sorted after the run
    elapsed: float = 0.0
    server_cpu: float = 0.0  # seconds of CPU the server process spent
    driver_cpu: float = 0.0  # seconds of CPU this process (the load driver) spent
    statuses: dict[int, int] = field(default_factory=dict)
    ok: frozenset[int] = frozenset({200, 201})

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in self.ok)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)

    def cpu_ms(self, seconds: float) -> float:
        """CPU milliseconds per request."""
        return 1000 * seconds / self.sent if self.sent else math.nan


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(1, math.ceil(q / 100 * len(sorted_values))) - 1]


async def _exchange(
    stream: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
) -> int:
    """One request on a kept-alive HTTP/1.1 connection; returns the status once the whole body
    is read. This, not httpx, drives the load: httpx costs several times the CPU per request
    that the bare app does, and on a 2-core machine the driver would throttle the servers."""
    reader, writer = stream
    writer.write(request)
    lines = (await reader.readuntil(b"\r\n\r\n")).lower().split(b"\r\n")
    headers = dict(line.split(b":", 1) for line in lines[1:] if b":" in line)
    if b"chunked" in headers.get(b"transfer-encoding", b""):
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return int(lines[0][9:12])


def _encode(subject: Subject, host: str, request: Request) -> bytes:
    method, path, payload = request
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = {"Host": host, **subject.headers, "Content-Length": str(len(body))}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


async def _drive(subject: Subject, load: Load, seconds: float | None, into: Result) -> None:
    """One turn of ``load`` against ``subject``: for ``seconds``, or (None) for its share of
    ``load.requests``. A refused or dropped connection counts as status 0 and is reopened."""
    counter = itertools.count(into.sent)
    last = (
        into.sent + math.ceil((load.requests or 0) / load.rounds) if seconds is None else math.inf
    )
    url = urlsplit(subject.server.base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80

    async def client_loop() -> None:
        stream = None
        while (number := next(counter)) < last and time.perf_counter() < deadline:
            request = _encode(subject, url.netloc, subject.make(number))
            sent = time.perf_counter()
            try:
                stream = stream or await asyncio.open_connection(host, port)
                status = await _exchange(stream, request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status, stream = 0, None
            latency = time.perf_counter() - sent
            into.statuses[status] = into.statuses.get(status, 0) + 1
            if status in load.ok:
                into.latencies.append(latency)
        if stream is not None:
            stream[1].close()

    started, cpu, driver = time.perf_counter(), subject.server.cpu_seconds(), time.process_time()
    deadline = started + seconds if seconds is not None else math.inf
    await asyncio.gather(*(client_loop() for _ in range(load.concurrency)))
    into.elapsed += time.perf_counter() - started
    into.server_cpu += subject.server.cpu_seconds() - cpu
    into.driver_cpu += time.process_time() - driver


def measure(subjects: Sequence[Subject], load: Load) -> list[Result]:
    """Run ``load`` against every subject. The subjects take turns, round after round, so that
    whatever else the machine is doing meanwhile weighs on each of them alike."""
    for subject in subjects:
        if load.warmup:
            run(_drive(subject, load, load.warmup, Result(subject.label)))
    results = [Result(subject.label, ok=load.ok) for subject in subjects]
    seconds = load.duration / load.rounds if load.requests is None else None
    for _ in range(load.rounds):
        for subject, result in zip(subjects, results, strict=True):
            run(_drive(subject, load, seconds, result))
    for result in results:
        result.latencies.sort()
        if result.errors:
            print(f"  !! {result.label}: {result.errors} failed, statuses {result.statuses}")
    return results


# --- printing ----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else math.inf


def machine_load() -> str:
    """The 1-minute load average against the CPU count: other work on the machine skews
    every figure, so each report says how busy the machine was."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], title: str = "") -> None:
    """A plain aligned table (first column left-aligned, the rest right-aligned)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join([row[0].ljust(widths[0]), *rest]).rstrip()

    print(f"\n{title}" if title else "")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))
    sys.stdout.flush()


def compare(pairs: Sequence[tuple[Result, Result]], title: str) -> None:
    """Each case against its baseline, and the ratios case/baseline (for req/s higher is
    better; for latency and CPU per request lower is better)."""
    rows: list[list[object]] = []
    for case, base in pairs:
        for result in (case, base):
            figures = [f"{result.rps:.0f}", ms(result.p50), ms(result.p99)]
            cpu = [
                f"{result.cpu_ms(result.server_cpu):.2f}",
                f"{result.cpu_ms(result.driver_cpu):.2f}",
            ]
            rows.append([result.label, *figures, *cpu, result.errors])
        pairs_ = [(case.rps, base.rps), (case.p50, base.p50), (case.p99, base.p99)]
        pairs_.append((case.cpu_ms(case.server_cpu), base.cpu_ms(base.server_cpu)))
        rows.append(["  ratio", *(f"{ratio(*pair):.2f}x" for pair in pairs_), "", ""])
    headers = ["case", "req/s", "p50 ms", "p99 ms", "server CPU ms/req", "driver CPU", "errors"]
    print_table(headers, rows, title)


@dataclass
class Target:
    name: str
    measured: float
    limit: float
    at_least: bool  # True: measured must be ≥ limit; False: ≤ limit

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    @property
    def verdict(self) -> str:
        return "MET" if self.met else "MISSED"


def print_targets(targets: Sequence[Target], title: str = "Targets") -> None:
    rows = [
        [t.name, f"{t.measured:.2f}x", f"{'≥' if t.at_least else '≤'} {t.limit:.2f}x", t.verdict]
        for t in targets
    ]
    print_table(["target", "measured", "wanted", "verdict"], rows, title)
    print(f"{sum(t.met for t in targets)} of {len(targets)} met.", flush=True)
