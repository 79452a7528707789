"""Webhooks: signed deliveries per second from one ``tongxin worker`` process to a local
receiver, against arq's own rate for no-op jobs on the same Redis (target ≥ 0.5×), and the delay
from an event's commit to the receiver getting it (p50/p99).

The receiver runs in this process (uvicorn); the worker is a real ``tongxin worker`` subprocess
on PostgreSQL and Redis. Needs both (``make bench`` starts them).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.common import (
    ROOT,
    Database,
    Target,
    free_port,
    fresh_database,
    machine_load,
    migrate,
    percentile,
    print_table,
    print_targets,
    run,
)

REDIS_URL = os.environ.get("TONGXIN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
DELIVERIES = 2000
NOOP_JOBS = 4000
LATENCY_EVENTS = 100


class Receiver:
    """Answers 204 at once and notes when each webhook-id arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        for name, value in scope["headers"]:
            if name == b"webhook-id":
                self.arrivals.setdefault(value.decode(), time.perf_counter())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def wait_for(self, count: int, seconds: float) -> None:
        async with asyncio.timeout(seconds):
            while len(self.arrivals) < count:  # noqa: ASYNC110  (filled by the HTTP server)
                await asyncio.sleep(0.01)


@contextmanager
def worker_process(database: Database, queue: str, log: Path) -> Iterator[None]:
    env = {
        **os.environ,
        "TONGXIN_DATABASE_URL": database.url,
        "TONGXIN_REDIS_URL": REDIS_URL,
        "TONGXIN_QUEUE_NAME": queue,
        "TONGXIN_ENV": "test",
        "TONGXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "TONGXIN_LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _setup(
    database: Database, url: str
) -> tuple[uuid.UUID, async_sessionmaker[AsyncSession]]:
    from shared.auth import Actor
    from shared.config import Settings
    from shared.db import make_engine, make_sessionmaker
    from shared.org.commands import init_organisation
    from shared.webhook import commands

    settings = Settings(env="test", database_url=database.url)
    sessionmaker = make_sessionmaker(make_engine(database.url))
    async with sessionmaker() as session:
        organisation, _ = await init_organisation(session, "基准政协", "bench-admin", "x" * 12)
        await commands.create_subscription(
            session,
            Actor.system(organisation.id),
            {"url": url, "event_types": ["supervision_case.*"]},
            secret_key=settings.secret,
            allow_private=True,
        )
        await session.commit()
    return organisation.id, sessionmaker


async def _emit(sessionmaker: async_sessionmaker[AsyncSession], organisation_id: uuid.UUID) -> Any:
    from shared import events
    from shared.db import uuid7

    async with sessionmaker() as session:
        event = await events.emit(
            session,
            organisation_id=organisation_id,
            type="supervision_case.reported",
            subject_type="supervision_case",
            subject_id=uuid7(),
            state="reported",
        )
        await session.commit()
    return event


async def prepare_deliveries(
    sessionmaker: async_sessionmaker[AsyncSession], organisation_id: uuid.UUID, queue: str
) -> int:
    """Fan out ``DELIVERIES`` events and queue their doorbells before any worker runs."""
    from services.worker import jobs
    from services.worker.arq_app import ArqWaker

    for _ in range(DELIVERIES):
        await _emit(sessionmaker, organisation_id)
    collected: list[Any] = []

    class Collect:
        async def wake(self, events: Any, timers: Any) -> None: ...

        async def wake_deliveries(self, deliveries: list[Any]) -> None:
            collected.extend(deliveries)

    await jobs.relay(sessionmaker, Collect(), limit=DELIVERIES)  # type: ignore[arg-type]
    waker = ArqWaker(REDIS_URL, queue)
    for start in range(0, len(collected), 200):
        await waker.wake_deliveries(collected[start : start + 200])
    await waker.close()
    return len(collected)


async def delivery_rate(receiver: Receiver, count: int) -> float:
    """From the first arrival to the last: the worker's start-up is not counted (its start-up
    sweep and the queued doorbells both send; either way it is this one process)."""
    await receiver.wait_for(count, seconds=300)
    arrivals = sorted(receiver.arrivals.values())
    return (count - 1) / (arrivals[-1] - arrivals[0])


async def commit_to_receiver(
    sessionmaker: async_sessionmaker[AsyncSession],
    organisation_id: uuid.UUID,
    receiver: Receiver,
    queue: str,
) -> list[float]:
    """The API's path: commit, ring the relay; the worker relays, fans out and sends."""
    from services.worker.arq_app import ArqWaker

    waker = ArqWaker(REDIS_URL, queue)
    committed: dict[str, float] = {}
    for _ in range(LATENCY_EVENTS):
        event = await _emit(sessionmaker, organisation_id)
        committed[f"evt_{event.id.hex}"] = time.perf_counter()
        await waker.wake([event.id], [])
        await asyncio.sleep(0.1)  # well under the delivery rate: delay, not backlog
    async with asyncio.timeout(120):
        while not committed.keys() <= receiver.arrivals.keys():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await waker.close()
    return sorted(receiver.arrivals[k] - t for k, t in committed.items())


async def noop(ctx: dict[str, Any]) -> None:
    return None


async def arq_noop_rate(queue: str) -> float:
    """arq alone: the same worker settings that matter (max_jobs, poll delay), no-op jobs."""
    pool = await create_pool(RedisSettings.from_dsn(REDIS_URL), default_queue_name=queue)
    for start in range(0, NOOP_JOBS, 500):
        await asyncio.gather(*(pool.enqueue_job("noop") for _ in range(start, start + 500)))
    await pool.aclose()
    worker = Worker(
        functions=[noop],
        redis_settings=RedisSettings.from_dsn(REDIS_URL),
        queue_name=queue,
        burst=True,
        max_jobs=20,
        poll_delay=0.05,
        keep_result=0,
        handle_signals=False,
    )
    started = time.perf_counter()
    await worker.main()
    elapsed = time.perf_counter() - started
    await worker.close()
    return NOOP_JOBS / elapsed


async def _scenario(database: Database, log: Path) -> None:
    receiver = Receiver()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(receiver, host="127.0.0.1", port=port, lifespan="off", log_level="error")
    )
    serving = asyncio.create_task(server.serve())
    queue = f"tongxin-bench:{os.getpid()}"
    organisation_id, sessionmaker = await _setup(database, f"http://127.0.0.1:{port}/hook")
    count = await prepare_deliveries(sessionmaker, organisation_id, queue)
    with worker_process(database, queue, log):
        rate = await delivery_rate(receiver, count)
        delays = await commit_to_receiver(sessionmaker, organisation_id, receiver, queue)
    noop_rate = await arq_noop_rate(f"{queue}:noop")
    server.should_exit = True
    await serving
    print_table(
        ["measure", "value"],
        [
            ["signed deliveries/s (one worker process)", f"{rate:.0f}"],
            ["arq no-op jobs/s (same Redis, max_jobs=20)", f"{noop_rate:.0f}"],
            ["commit → receiver p50 ms", f"{percentile(delays, 50) * 1000:.1f}"],
            ["commit → receiver p99 ms", f"{percentile(delays, 99) * 1000:.1f}"],
        ],
        f"Webhooks ({DELIVERIES} deliveries, {LATENCY_EVENTS} timed events; {machine_load()})",
    )
    print_targets([Target("deliveries/s vs arq no-op jobs/s", rate / noop_rate, 0.5, True)])


def main() -> None:
    with fresh_database(f"tongxin_bench_webhooks_{os.getpid()}") as database:
        migrate(database)
        run(_scenario(database, Path(f"/tmp/tongxin-bench-webhooks-{os.getpid()}.log")))
