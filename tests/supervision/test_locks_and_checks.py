"""A move checks everything before it writes anything, and locks its case once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.audit import AuditEntry
from shared.db import make_sessionmaker
from shared.errors import Conflict
from shared.events import Event
from shared.supervision import commands, queries
from shared.supervision import schemas as s
from tests.conftest import World
from tests.supervision.conftest import ACTION_BODIES, ok, reach, run_worker

FEEDBACK = s.Feedback(action="feedback", **ACTION_BODIES["feedback"])


async def _written(session: AsyncSession, case_id: uuid.UUID) -> tuple[int, int]:
    """The feedback audit rows and events of the case, as this transaction sees them."""
    audits = await session.scalar(
        select(func.count()).where(AuditEntry.entity_id == case_id, AuditEntry.action == "feedback")
    )
    events = await session.scalar(
        select(func.count()).where(
            Event.subject_id == case_id, Event.type == "supervision_case.feedback_submitted"
        )
    )
    return audits or 0, events or 0


async def test_feedback_of_a_department_not_responsible_writes_nothing(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "awaiting_feedback")  # the first department's
    case_id = uuid.UUID(case["id"])
    async with make_sessionmaker(engine)() as session:
        loaded = await queries.get_case(session, world.actors["staff"], case_id)
        with pytest.raises(Conflict, match="responsible department"):
            await commands.submit_feedback(session, world.actors["department2"], loaded, FEEDBACK)
        assert await _written(session, case_id) == (0, 0)
        await session.rollback()


async def test_a_second_answer_of_one_department_writes_nothing(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "awaiting_feedback")
    case_id = uuid.UUID(case["id"])
    await ok(client, world, "department", case["id"], "feedback")
    department = world.actors["department"]
    async with make_sessionmaker(engine)() as session:
        loaded = await queries.get_case(session, department, case_id)
        with pytest.raises(Conflict, match="already answered"):
            await commands.submit_feedback(session, department, loaded, FEEDBACK)
        assert await _written(session, case_id) == (1, 1)
        await session.rollback()


@contextmanager
def case_locks(engine: AsyncEngine) -> Iterator[list[str]]:
    """The ``SELECT … FOR UPDATE`` statements on supervision cases sent while inside."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FOR UPDATE" in statement and "FROM supervision_cases" in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def _locks_expected(engine: AsyncEngine, count: int) -> int:
    # SQLite has no row locks: its writers are serialised by the database lock instead.
    return count if engine.dialect.name == "postgresql" else 0


async def test_a_leaders_rework_decision_locks_the_case_once(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "escalated", max_rounds=1)
    leader = world.actors["leader"]
    async with make_sessionmaker(engine)() as session:
        loaded = await queries.get_case(session, leader, uuid.UUID(case["id"]))
        with case_locks(engine) as locks:
            await commands.decide(
                session, leader, loaded, s.Decide(action="decide", outcome="rework")
            )
        assert len(locks) == _locks_expected(engine, 1)
        assert loaded.round == 2 and loaded.state == "awaiting_feedback"
        await session.commit()


async def test_the_worker_locks_the_case_once_for_its_move(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "awaiting_feedback")
    await run_worker(engine)  # the events of start and report
    await ok(client, world, "department", case["id"], "feedback")
    with case_locks(engine) as locks:
        await run_worker(engine)  # every department answered → awaiting evaluation
    assert len(locks) == _locks_expected(engine, 1)
    moved = await client.get(f"/api/v1/supervision-cases/{case['id']}", headers=world.auth("staff"))
    assert moved.json()["state"] == "awaiting_evaluation"
