"""Faults with real worker processes (``tongxin worker`` on PostgreSQL and Redis): kill -9 in
the middle of a send, Redis losing its queue, Redis unreachable while the API takes writes, and
two workers racing for the same deliveries."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.api.app import create_app
from services.worker.arq_app import ArqWaker
from shared.config import Settings
from tests.conftest import REDIS_URL, ROOT, World, needs, test_settings, wipe_queue
from tests.webhooks.conftest import (
    Receiver,
    Reply,
    attempts_of,
    deliveries_of,
    emit,
    subscribe,
)

LEASE_SECONDS = 8


@pytest.fixture
def worker_env(database_url: str, settings: Settings) -> dict[str, str]:
    if not database_url.startswith("postgresql"):
        pytest.skip("worker processes run against PostgreSQL and Redis")
    needs("redis")
    return {
        **os.environ,
        "TONGXIN_DATABASE_URL": database_url,
        "TONGXIN_REDIS_URL": REDIS_URL,
        "TONGXIN_QUEUE_NAME": settings.queue_name,
        "TONGXIN_ENV": "test",
        "TONGXIN_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "TONGXIN_SWEEP_INTERVAL": "PT1S",
        "TONGXIN_WEBHOOK_TIMEOUT": "PT5S",
        "TONGXIN_WEBHOOK_LEASE": f"PT{LEASE_SECONDS}S",
        "TONGXIN_LOG_LEVEL": "WARNING",
    }


@asynccontextmanager
async def worker(env: dict[str, str], log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``tongxin worker`` as a child process; stopped (SIGKILL) on the way out."""
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.cli",
            "worker",
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@asynccontextmanager
async def api(
    database_url: str, engine: AsyncEngine, redis_url: str, queue: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The API ringing the worker through Redis at ``redis_url``."""
    waker = ArqWaker(redis_url, queue)
    settings = test_settings(database_url, webhook_allow_private_targets=True, redis_url=redis_url)
    app = create_app(settings, engine=engine, waker=waker)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await waker.close()


async def until(check: Callable[[], Any], seconds: float = 60.0) -> None:
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110  (the database is changed by other processes)
            await asyncio.sleep(0.2)


async def test_kill_9_mid_send_leads_to_a_new_attempt_after_the_lease(
    worker_env: dict[str, str],
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    local: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    receiver.replies = [Reply(200, hang=asyncio.Event())]
    await emit(sessionmaker, world.organisation_id)
    async with worker(worker_env, tmp_path / "w1.log") as first:
        await receiver.wait_for(1, seconds=60)
        first.kill()  # in the middle of the send: the receiver has not answered
        await first.wait()
    async with worker(worker_env, tmp_path / "w2.log"):
        await receiver.wait_for(2, seconds=LEASE_SECONDS + 60)

        async def done() -> bool:
            [delivery] = await deliveries_of(sessionmaker, sub["id"])
            return delivery.status == "succeeded"

        await until(done)
    [delivery] = await deliveries_of(sessionmaker, sub["id"])
    attempts = await attempts_of(sessionmaker, delivery.id)
    assert [(a.number, a.status, a.error_class) for a in attempts] == [
        (1, "failed", "worker_lost"),
        (2, "succeeded", None),
    ]
    receiver.verify_all(sub["secret"])
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1


async def test_redis_losing_its_queue_loses_no_delivery(
    worker_env: dict[str, str],
    database_url: str,
    engine: AsyncEngine,
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    tmp_path: Path,
) -> None:
    async with api(database_url, engine, REDIS_URL, settings.queue_name) as client:
        sub = await subscribe(client, world.auth("admin"), receiver.url())
        for _ in range(3):
            tested = await client.post(
                f"/api/v1/webhook-subscriptions/{sub['id']}/test", headers=world.auth("admin")
            )
            assert tested.status_code == 202
        await asyncio.sleep(0.2)  # the doorbells ring after the responses
    for _ in range(3):
        await emit(sessionmaker, world.organisation_id)
    assert await wipe_queue(settings.queue_name) >= 3
    async with worker(worker_env, tmp_path / "w.log"):
        await receiver.wait_for(6, seconds=60)
    receiver.verify_all(sub["secret"])
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 6


async def test_api_takes_writes_while_redis_is_unreachable(
    worker_env: dict[str, str],
    database_url: str,
    engine: AsyncEngine,
    world: World,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    async with api(database_url, engine, "redis://127.0.0.1:1/0", "nowhere") as client:
        sub = await subscribe(client, world.auth("admin"), receiver.url())
        for _ in range(3):
            tested = await client.post(
                f"/api/v1/webhook-subscriptions/{sub['id']}/test", headers=world.auth("admin")
            )
            assert tested.status_code == 202
    assert receiver.requests == []
    async with worker(worker_env, tmp_path / "w.log"):
        await receiver.wait_for(3, seconds=60)
    receiver.verify_all(sub["secret"])


async def test_two_workers_never_send_the_same_attempt(
    worker_env: dict[str, str],
    world: World,
    receiver: Receiver,
    sessionmaker: async_sessionmaker[AsyncSession],
    local: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    sub = await subscribe(local, world.auth("admin"), receiver.url())
    async with (
        worker(worker_env, tmp_path / "a.log"),
        worker(worker_env, tmp_path / "b.log"),
    ):
        await asyncio.sleep(1.5)  # both polling
        for _ in range(40):
            await emit(sessionmaker, world.organisation_id)
        await receiver.wait_for(40, seconds=60)
        await asyncio.sleep(LEASE_SECONDS / 2)  # room for a duplicate to show up
    sent = Counter(r.headers["webhook-id"] for r in receiver.requests)
    assert len(sent) == 40 and set(sent.values()) == {1}
    for delivery in await deliveries_of(sessionmaker, sub["id"]):
        assert delivery.status == "succeeded" and delivery.attempts == 1
