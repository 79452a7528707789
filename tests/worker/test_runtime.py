"""The worker runtime: an event committed by the API is handled by the worker — under the
embedded runner and under arq on a real Redis — and nothing is lost when Redis is not there."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.worker import jobs
from services.worker.arq_app import ArqWaker
from services.worker.embedded import EmbeddedRunner
from shared import clock, timers
from shared.automation import EVENT_HANDLERS
from shared.config import Settings
from shared.events import Event
from shared.timers import Timer
from tests.conftest import REDIS_URL, World, arq_worker, needs, test_settings, wipe_queue
from tests.worker.conftest import client_for, gadget_app, new_gadget
from tests.worker.gadget import HANDLED, Gadget


async def _state(sessions: async_sessionmaker[AsyncSession], gadget_id: uuid.UUID) -> str:
    async with sessions() as session:
        gadget = await session.get(Gadget, gadget_id)
        assert gadget is not None
        return gadget.state


async def _wait_for_state(
    sessions: async_sessionmaker[AsyncSession], gadget_id: uuid.UUID, state: str
) -> None:
    for _ in range(200):
        if await _state(sessions, gadget_id) == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gadget never reached {state}")


async def _start(client_app: object, gadget_id: uuid.UUID, world: World) -> None:
    async with await client_for(client_app) as client:  # type: ignore[arg-type]
        response = await client.post(
            f"/api/v1/test-gadgets/{gadget_id}/transitions",
            json={"action": "start"},
            headers=world.auth("staff"),
        )
        assert response.status_code == 200, response.text


async def test_embedded_runner_handles_committed_event(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    world: World,
) -> None:
    runner = EmbeddedRunner(sessions, sweep_interval=timedelta(minutes=10))
    runner.start()
    try:
        gadget_id = await new_gadget(sessions, world.organisation_id)
        await _start(gadget_app(settings, engine, waker=runner), gadget_id, world)
        # The doorbell, not the 10-minute sweep, brings the worker round.
        await _wait_for_state(sessions, gadget_id, "done")
    finally:
        await runner.stop()


async def test_arq_worker_on_redis_handles_committed_event(
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    world: World,
) -> None:
    needs("redis")
    settings = test_settings(
        database_url, redis_url=REDIS_URL, sweep_interval=timedelta(minutes=10)
    )
    waker = ArqWaker(REDIS_URL, settings.queue_name)
    async with arq_worker(settings, sessions):
        gadget_id = await new_gadget(sessions, world.organisation_id)
        await _start(gadget_app(settings, engine, waker=waker), gadget_id, world)
        await _wait_for_state(sessions, gadget_id, "done")
        await waker.close()


async def test_writes_succeed_while_redis_is_down_and_the_sweep_catches_up(
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    world: World,
) -> None:
    settings = test_settings(database_url, redis_url="redis://127.0.0.1:1/0")
    waker = ArqWaker("redis://127.0.0.1:1/0", settings.queue_name)  # nothing listens there
    app = gadget_app(settings, engine, waker=waker)
    first = await new_gadget(sessions, world.organisation_id)
    second = await new_gadget(sessions, world.organisation_id)
    await _start(app, first, world)
    await _start(app, second, world)  # the second is not slowed by the first failure either
    assert await _state(sessions, first) == "active"
    await jobs.sweep(sessions, None)
    assert [await _state(sessions, g) for g in (first, second)] == ["done", "done"]


async def test_relaying_twice_runs_the_automation_once(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    engine: AsyncEngine,
    world: World,
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    await _start(gadget_app(settings, engine), gadget_id, world)
    await jobs.relay(sessions, None)
    await jobs.relay(sessions, None)
    async with sessions() as session:
        event = await session.scalar(
            select(Event).where(Event.subject_id == gadget_id, Event.type == "test_gadget.started")
        )
    assert event is not None and event.relayed_at is not None
    assert HANDLED.count(event.id) == 1


async def test_worker_killed_before_commit_leaves_the_move_to_the_next(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    engine: AsyncEngine,
    world: World,
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    await _start(gadget_app(settings, engine), gadget_id, world)
    async with sessions() as session:  # a worker claims, works, and dies before its commit
        event = await session.scalar(
            select(Event).where(Event.subject_id == gadget_id).with_for_update(skip_locked=True)
        )
        assert event is not None
        for handler in EVENT_HANDLERS[event.type]:
            await handler(session, event)
        await session.rollback()
    assert await _state(sessions, gadget_id) == "active"
    await jobs.sweep(sessions, None)
    assert await _state(sessions, gadget_id) == "done"


async def _timer(
    sessions: async_sessionmaker[AsyncSession],
    world: World,
    gadget_id: uuid.UUID,
    due_in: timedelta,
    **payload: object,
) -> uuid.UUID:
    async with sessions() as session:
        timer = timers.schedule(
            session,
            organisation_id=world.organisation_id,
            kind="test_gadget.ping",
            subject_type="test_gadget",
            subject_id=gadget_id,
            due_at=clock.now() + due_in,
            payload=dict(payload),
        )
        await session.commit()
        return timer.id


async def _pings(sessions: async_sessionmaker[AsyncSession], gadget_id: uuid.UUID) -> int:
    async with sessions() as session:
        gadget = await session.get(Gadget, gadget_id)
        assert gadget is not None
        return gadget.pings


async def test_timers_fire_once_when_due_and_never_when_voided(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    await _timer(sessions, world, gadget_id, timedelta(days=90))
    other = await new_gadget(sessions, world.organisation_id)
    await _timer(sessions, world, other, timedelta(days=90))
    async with sessions() as session:
        await timers.void(session, other)
        await session.commit()
    await jobs.fire_due(sessions, None)
    assert await _pings(sessions, gadget_id) == 0  # not due yet
    clock.advance(timedelta(days=90, seconds=1))
    await jobs.fire_due(sessions, None)
    await jobs.fire_due(sessions, None)
    assert await _pings(sessions, gadget_id) == 1
    assert await _pings(sessions, other) == 0


async def test_a_failing_timer_is_retried_later_and_blocks_nothing(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    gadget_id = await new_gadget(sessions, world.organisation_id)
    failing = await _timer(sessions, world, gadget_id, timedelta(0), fail=True)
    await _timer(sessions, world, gadget_id, timedelta(0))
    clock.advance(timedelta(seconds=1))
    await jobs.fire_due(sessions, None)
    assert await _pings(sessions, gadget_id) == 1
    async with sessions() as session:
        timer = await session.get(Timer, failing)
        assert timer is not None
        assert (timer.state, timer.attempts) == ("pending", 1)
        assert "always fails" in (timer.last_error or "")
        assert timer.due_at > clock.now()


async def test_redis_flushed_with_timers_pending_they_still_fire(
    database_url: str, sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    needs("redis")
    settings = test_settings(database_url, redis_url=REDIS_URL)
    gadget_id = await new_gadget(sessions, world.organisation_id)
    timer_id = await _timer(sessions, world, gadget_id, timedelta(seconds=1))
    waker = ArqWaker(REDIS_URL, settings.queue_name)
    await waker.wake([], [(timer_id, clock.now() + timedelta(seconds=1))])
    await waker.close()
    # Redis loses this run's queue (only ours: runs side by side share the database).
    assert await wipe_queue(settings.queue_name) >= 1
    clock.advance(timedelta(seconds=2))
    async with arq_worker(settings, sessions):  # its startup sweep finds the timer in the DB
        for _ in range(200):
            if await _pings(sessions, gadget_id) == 1:
                break
            await asyncio.sleep(0.05)
        assert await _pings(sessions, gadget_id) == 1


async def test_two_relays_in_parallel_handle_each_event_once(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    engine: AsyncEngine,
    world: World,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED claims are a PostgreSQL matter; SQLite serialises writers")
    app = gadget_app(settings, engine)
    gadgets = [await new_gadget(sessions, world.organisation_id) for _ in range(12)]
    for gadget_id in gadgets:
        await _start(app, gadget_id, world)
    async with sessions() as session:
        started = list(
            await session.scalars(
                select(Event.id).where(
                    Event.subject_id.in_(gadgets), Event.type == "test_gadget.started"
                )
            )
        )
    await asyncio.gather(
        jobs.relay(sessions, None), jobs.relay(sessions, None), jobs.relay(sessions, None)
    )
    assert sorted(e for e in HANDLED if e in started) == sorted(started)
    assert [await _state(sessions, g) for g in gadgets] == ["done"] * 12


async def test_failing_automation_is_postponed_not_lost(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    engine: AsyncEngine,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(session: AsyncSession, event: Event) -> None:
        raise RuntimeError("downstream is broken")

    monkeypatch.setitem(EVENT_HANDLERS, "test_gadget.started", [broken])
    gadget_id = await new_gadget(sessions, world.organisation_id)
    await _start(gadget_app(settings, engine), gadget_id, world)
    await jobs.relay(sessions, None)
    async with sessions() as session:
        event = await session.scalar(select(Event).where(Event.subject_id == gadget_id))
        assert event is not None
        assert (event.relayed_at, event.relay_attempts) == (None, 1)
        assert "downstream is broken" in (event.relay_error or "")
        await session.execute(update(Event).where(Event.id == event.id).values(relay_after=None))
        await session.commit()
    monkeypatch.undo()
    await jobs.relay(sessions, None)
    assert await _state(sessions, gadget_id) == "done"
