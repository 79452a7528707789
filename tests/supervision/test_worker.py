"""The loop under the real runners (embedded, arq), under concurrency, and after crashes."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.app import create_app
from services.worker.arq_app import ArqWaker
from services.worker.embedded import EmbeddedRunner
from shared import clock
from shared.audit import AuditEntry
from shared.automation import EVENT_HANDLERS, TIMER_HANDLERS
from shared.config import Settings
from shared.db import make_sessionmaker
from shared.events import Event, Waker
from shared.supervision.models import SupervisionCase, SupervisionEvaluation
from shared.timers import Timer
from tests.conftest import REDIS_URL, World, arq_worker, needs, test_settings
from tests.supervision.conftest import (
    act,
    case_row,
    count_events,
    make_case,
    make_topic,
    ok,
    reach,
    run_worker,
)

pytestmark = pytest.mark.asyncio


@contextlib.asynccontextmanager
async def client_for(
    settings: Settings, engine: AsyncEngine, waker: Waker
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, waker=waker)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def wait_for(engine: AsyncEngine, case_id: str, state: str, round: int = 1) -> None:
    """Poll the database until the worker made the move (never longer than 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        case = await case_row(engine, case_id)
        if (case.state, case.round) == (state, round):
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"the worker did not move {case_id} to {state} (round {round}) in 20 s")


async def drive_loop(client: httpx.AsyncClient, world: World, engine: AsyncEngine) -> None:
    """Two departments answer; the runner moves the case; unsatisfied → round 2; then closed."""
    case = await make_case(client, world, departments=world.departments)
    cid = case["id"]
    await ok(client, world, "staff", cid, "start")
    await ok(client, world, "staff", cid, "report")
    await ok(client, world, "department", cid, "feedback")
    await ok(client, world, "department2", cid, "feedback")
    await wait_for(engine, cid, "awaiting_evaluation")
    await ok(client, world, "staff", cid, "evaluate", rating="unsatisfied")
    await wait_for(engine, cid, "awaiting_feedback", round=2)
    await ok(client, world, "department", cid, "feedback")
    await ok(client, world, "department2", cid, "feedback")
    await wait_for(engine, cid, "awaiting_evaluation", round=2)
    await ok(client, world, "staff", cid, "evaluate", rating="basically_satisfied")
    await wait_for(engine, cid, "closed", round=2)


async def test_embedded_runner_drives_the_loop_on_sqlite(
    engine: AsyncEngine, settings: Settings, world: World
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the embedded runner is the SQLite default")
    runner = EmbeddedRunner(make_sessionmaker(engine), timedelta(seconds=15))
    runner.start()
    try:
        async with client_for(settings, engine, runner) as client:
            await drive_loop(client, world, engine)
    finally:
        await runner.stop()


async def test_arq_worker_on_redis_drives_the_loop(
    engine: AsyncEngine, database_url: str, world: World
) -> None:
    needs("redis")
    if engine.dialect.name != "postgresql":
        pytest.skip("production pairs arq with PostgreSQL")
    settings = test_settings(database_url, redis_url=REDIS_URL)
    waker = ArqWaker(REDIS_URL, settings.queue_name)
    async with arq_worker(settings, make_sessionmaker(engine)):
        try:
            async with client_for(settings, engine, waker) as client:
                await drive_loop(client, world, engine)
        finally:
            await waker.close()


async def test_ten_simultaneous_evaluations_apply_once(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks race only on PostgreSQL (SQLite serialises every writer)")
    case = await reach(client, world, engine, "awaiting_evaluation")
    if_match = {"If-Match": f'"{case["version"]}"'}
    responses = await asyncio.gather(
        *(
            act(client, world, "staff", case["id"], "evaluate", if_match, rating=rating)
            for rating in ["satisfied", "unsatisfied"] * 5
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409, 412}
    async with make_sessionmaker(engine)() as session:
        evaluations = await session.scalar(
            select(func.count()).where(SupervisionEvaluation.case_id == uuid.UUID(case["id"]))
        )
    assert evaluations == 1
    assert await count_events(engine, case["id"], "supervision_case.evaluated") == 1


async def snapshot(engine: AsyncEngine, case_id: str) -> tuple[Any, ...]:
    subject = uuid.UUID(case_id)
    async with make_sessionmaker(engine)() as session:
        case = await session.get_one(SupervisionCase, subject)
        events = await session.scalar(select(func.count()).where(Event.subject_id == subject))
        audits = await session.scalar(select(func.count()).where(AuditEntry.entity_id == subject))
        timers = await session.scalar(select(func.count()).where(Timer.subject_id == subject))
    return case.state, case.round, case.version, events, audits, timers


async def last_event(engine: AsyncEngine, case_id: str, type_: str) -> uuid.UUID:
    async with make_sessionmaker(engine)() as session:
        event_id = await session.scalar(
            select(Event.id)
            .where(Event.subject_id == uuid.UUID(case_id), Event.type == type_)
            .order_by(Event.sequence.desc())
            .limit(1)
        )
    assert event_id is not None
    return event_id


@pytest.mark.parametrize(
    ("rating", "outcome"), [("satisfied", "closed"), ("unsatisfied", "awaiting_feedback")]
)
async def test_an_automation_run_twice_changes_nothing_the_second_time(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, rating: str, outcome: str
) -> None:
    case = await reach(client, world, engine, "awaiting_evaluation")
    await ok(client, world, "staff", case["id"], "evaluate", rating=rating)
    await run_worker(engine)
    first = await snapshot(engine, case["id"])
    assert first[0] == outcome
    # The same event handed over again (a redelivery after a lost acknowledgement).
    event_id = await last_event(engine, case["id"], "supervision_case.evaluated")
    async with make_sessionmaker(engine)() as session:
        await session.execute(update(Event).where(Event.id == event_id).values(relayed_at=None))
        await session.commit()
    await run_worker(engine)
    async with make_sessionmaker(engine)() as session:
        event = await session.get_one(Event, event_id)
        for handler in EVENT_HANDLERS[event.type]:
            await handler(session, event)
        await session.commit()
    assert await snapshot(engine, case["id"]) == first


async def test_a_worker_killed_before_commit_leaves_the_event_to_the_next(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "awaiting_feedback")
    await ok(client, world, "department", case["id"], "feedback")
    event_id = await last_event(engine, case["id"], "supervision_case.feedback_submitted")
    async with make_sessionmaker(engine)() as session:
        event = await session.scalar(
            select(Event).where(Event.id == event_id).with_for_update(skip_locked=True)
        )
        assert event is not None and event.relayed_at is None
        for handler in EVENT_HANDLERS[event.type]:
            await handler(session, event)
        await session.rollback()  # the process died here: nothing was committed
    assert (await case_row(engine, case["id"])).state == "awaiting_feedback"
    await run_worker(engine)
    assert (await case_row(engine, case["id"])).state == "awaiting_evaluation"
    async with make_sessionmaker(engine)() as session:
        assert (await session.get_one(Event, event_id)).relayed_at is not None


async def test_a_worker_killed_before_commit_leaves_the_timer_to_the_next(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "awaiting_feedback", feedback_window="PT100S")
    clock.advance(timedelta(seconds=150))
    async with make_sessionmaker(engine)() as session:
        timer = await session.scalar(
            select(Timer)
            .where(
                Timer.subject_id == uuid.UUID(case["id"]), Timer.kind == "supervision_case.overdue"
            )
            .with_for_update(skip_locked=True)
        )
        assert timer is not None and timer.state == "pending"
        await TIMER_HANDLERS[timer.kind](session, timer)
        await session.rollback()
    assert (await case_row(engine, case["id"])).overdue is False
    await run_worker(engine)
    assert (await case_row(engine, case["id"])).overdue is True
    assert await count_events(engine, case["id"], "supervision_case.overdue") == 1


async def test_timers_fire_after_redis_lost_them(
    world: World, engine: AsyncEngine, database_url: str
) -> None:
    needs("redis")
    settings = test_settings(database_url, redis_url=REDIS_URL)
    waker = ArqWaker(REDIS_URL, settings.queue_name)
    try:
        async with client_for(settings, engine, waker) as client:
            topic = await make_topic(client, world, feedback_window="PT100S")
            case = await make_case(client, world, topic)
            await ok(client, world, "staff", case["id"], "start")
            await ok(client, world, "staff", case["id"], "report")
    finally:
        await waker.close()
    async with make_sessionmaker(engine)() as session:
        timer_ids = list(
            (
                await session.scalars(
                    select(Timer.id).where(Timer.subject_id == uuid.UUID(case["id"]))
                )
            ).all()
        )
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [f"arq:job:timer:{timer_id}" for timer_id in timer_ids]
        assert await redis.exists(*keys) == len(keys)  # the doorbells were rung
        # Redis loses everything this run queued (other runs may share the test database,
        # so only our queue and jobs are wiped rather than FLUSHDB).
        await redis.delete(settings.queue_name, *keys)
    finally:
        await redis.aclose()
    clock.advance(timedelta(seconds=150))
    await run_worker(engine)
    row = await case_row(engine, case["id"])
    assert row.overdue is True
