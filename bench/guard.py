"""What authenticating a request costs: the ``Guard`` (``services.api.deps``) called in-process
on a bearer access token, as every authenticated route calls it, without HTTP around it.

Each call gets a fresh ASGI scope (the Guard remembers the actor per request, not across them).
Figures are microseconds per call, the median of interleaved rounds; ``bare request`` is the
cost of building the ``Request`` alone, so the difference is the Guard's own work. The Guard
checks each access token's session epoch against a per-process cache of at most 60 s; the
last case empties that cache before every call, so each call reads the epoch from PostgreSQL
(what a process pays once a minute per active user). For scale, ``GET /sectors/{id}`` is also
timed through the whole app (ASGI in-process, no HTTP): what a small authenticated read costs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI, Request

from bench.common import (
    ADMIN_PASSWORD,
    fresh_database,
    machine_load,
    migrate,
    print_table,
    run,
)
from bench.common import create_organisation as make_organisation

DATABASE = f"tongxin_bench_guard_{os.getpid()}"
ADMIN = "bench-guard-admin"
CALLS, ROUNDS = 20_000, 7
COLD_CALLS = 1_000


def _scope(app: FastAPI, token: str, path: str = "/api/v1/sectors") -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "scheme": "http",
        "server": ("bench", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
        "query_string": b"",
        "app": app,
    }


async def _per_call(call: Callable[[], Awaitable[object]], calls: int) -> tuple[float, float]:
    """Microseconds per call of ``call`` over ``calls`` calls: wall clock, and this process's
    CPU time (the figure least bent by whatever else the machine is running)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        await call()
    return (
        (time.perf_counter() - wall) / calls * 1e6,
        (time.process_time() - cpu) / calls * 1e6,
    )


async def _token_and_sector(app: FastAPI) -> tuple[str, str]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        response = await client.post(
            "/api/v1/auth/token", data={"username": ADMIN, "password": ADMIN_PASSWORD}
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        sector = await client.post("/api/v1/sectors", json={"name": "工商联界"}, headers=headers)
        sector.raise_for_status()
        return token, sector.json()["id"]


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    if message["type"] == "http.response.start":
        assert message["status"] == 200, message


async def _measure(url: str) -> dict[str, list[tuple[float, float]]]:
    from services.api import deps
    from services.api.app import create_app
    from services.api.deps import Guard
    from shared.config import Settings

    app = create_app(Settings(env="test", database_url=url))
    guard = Guard(None)
    token, sector_id = await _token_and_sector(app)
    scope = _scope(app, token)
    read_scope = _scope(app, token, f"/api/v1/sectors/{sector_id}")

    async def read() -> object:
        return await app(dict(read_scope), _receive, _send)  # type: ignore[arg-type]

    async def bare() -> object:
        return Request(dict(scope))

    async def guarded() -> object:
        return await guard(Request(dict(scope)))

    async def cold() -> object:
        deps._epochs.clear()
        return await guarded()

    await guarded()  # the first call checks the signature (and anything else) once
    cases = {
        "bare request": (bare, CALLS),
        "Guard, token seen before": (guarded, CALLS),
        "Guard, epoch read from the database": (cold, COLD_CALLS),
        "GET /sectors/{id} through the app": (read, COLD_CALLS),
    }
    figures: dict[str, list[tuple[float, float]]] = {label: [] for label in cases}
    for _ in range(ROUNDS):
        for label, (call, calls) in cases.items():
            figures[label].append(await _per_call(call, calls))
    await app.state.engine.dispose()
    return figures


def main() -> None:
    print(f"{CALLS:,} calls x {ROUNDS} rounds; {machine_load()}", flush=True)
    with fresh_database(DATABASE) as database:
        migrate(database)
        run(make_organisation(database, "基准测试政协 guard", ADMIN))
        figures = asyncio.run(_measure(database.url))
    medians = {
        label: [statistics.median(v[i] for v in values) for i in (0, 1)]
        for label, values in figures.items()
    }
    base_wall, base_cpu = medians["bare request"]
    rows = [
        [label, f"{wall:.2f}", f"{wall - base_wall:+.2f}", f"{cpu:.2f}", f"{cpu - base_cpu:+.2f}"]
        for label, (wall, cpu) in medians.items()
    ]
    headers = ["case", "wall µs/call", "vs bare", "CPU µs/call", "vs bare"]
    print_table(headers, rows, "Guard cost (medians of the rounds)")
