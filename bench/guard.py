"""What authenticating a request costs: the ``Guard`` (``services.api.deps``) called in-process
on a bearer access token, as every authenticated route calls it, without HTTP around it.

Each call gets a fresh ASGI scope (the Guard remembers the actor per request, not across them).
Figures are CPU-bound microseconds per call, the median of interleaved rounds; ``bare request``
is the cost of building the ``Request`` alone, so the difference is the Guard's own work.
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


def _scope(app: FastAPI, token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/sectors",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
        "query_string": b"",
        "app": app,
    }


async def _per_call(call: Callable[[], Awaitable[object]], calls: int) -> float:
    """Microseconds per call of ``call`` over ``calls`` calls."""
    started = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - started) / calls * 1e6


async def _token(app: FastAPI) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        response = await client.post(
            "/api/v1/auth/token", data={"username": ADMIN, "password": ADMIN_PASSWORD}
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


async def _measure(url: str) -> dict[str, list[float]]:
    from services.api.app import create_app
    from services.api.deps import Guard
    from shared.config import Settings

    app = create_app(Settings(env="test", database_url=url))
    guard = Guard(None)
    token = await _token(app)
    scope = _scope(app, token)

    async def bare() -> object:
        return Request(dict(scope))

    async def guarded() -> object:
        return await guard(Request(dict(scope)))

    await guarded()  # the first call checks the signature (and anything else) once
    figures: dict[str, list[float]] = {"bare request": [], "Guard, token seen before": []}
    for _ in range(ROUNDS):
        figures["bare request"].append(await _per_call(bare, CALLS))
        figures["Guard, token seen before"].append(await _per_call(guarded, CALLS))
    await app.state.engine.dispose()
    return figures


def main() -> None:
    print(f"{CALLS:,} calls x {ROUNDS} rounds; {machine_load()}", flush=True)
    with fresh_database(DATABASE) as database:
        migrate(database)
        run(make_organisation(database, "基准测试政协 guard", ADMIN))
        figures = asyncio.run(_measure(database.url))
    base = statistics.median(figures["bare request"])
    rows = [
        [label, f"{statistics.median(values):.2f}", f"{statistics.median(values) - base:+.2f}"]
        for label, values in figures.items()
    ]
    print_table(["case", "µs per call (median)", "vs bare request"], rows, "Guard cost")
