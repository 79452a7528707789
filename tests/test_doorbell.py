"""The one after-commit doorbell (``shared.events.commit_and_ring``): wake-ups collected on the
session ring once after a successful commit, never for a rollback, and a failed ring loses
nothing (the commit stands; the sweep finds the work)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared import clock, timers
from shared.db import make_sessionmaker
from shared.events import DueDelivery, Event, commit_and_ring, drop_wakeups, emit, wakeups
from tests.conftest import World


class Bell:
    """A waker that remembers its rings (or fails every one)."""

    def __init__(self, *, broken: bool = False) -> None:
        self.broken = broken
        self.rings: list[tuple[str, list[object]]] = []

    async def wake(self, events: list[uuid.UUID], timers: list[tuple[uuid.UUID, datetime]]) -> None:
        if self.broken:
            raise ConnectionError("Redis is down")
        self.rings.append(("work", [*events, *timers]))

    async def wake_deliveries(self, deliveries: list[DueDelivery]) -> None:
        self.rings.append(("deliveries", list(deliveries)))


async def _collect(session: AsyncSession, organisation_id: uuid.UUID) -> tuple[Event, uuid.UUID]:
    subject = uuid.uuid4()
    event = await emit(
        session,
        organisation_id=organisation_id,
        type="test.rang",
        subject_type="test",
        subject_id=subject,
    )
    timer = timers.schedule(
        session,
        organisation_id=organisation_id,
        kind="test.never_fired",
        subject_type="test",
        subject_id=subject,
        due_at=clock.now() + timedelta(days=365),
    )
    await session.flush()
    await timers.void(session, subject)  # the sweep must never fire it
    return event, timer.id


async def test_rings_once_after_the_commit(engine: AsyncEngine, world: World) -> None:
    bell = Bell()
    delivery = (uuid.uuid4(), 1, clock.now())
    async with make_sessionmaker(engine)() as session:
        event, timer_id = await _collect(session, world.organisation_id)
        wakeups(session).deliveries.append(delivery)
        assert bell.rings == []  # nothing rings before the commit
        await commit_and_ring(session, bell)
        assert [kind for kind, _ in bell.rings] == ["work", "deliveries"]
        ringing_event, ringing_timer = bell.rings[0][1]
        assert ringing_event == event.id and ringing_timer[0] == timer_id  # type: ignore[index]
        assert bell.rings[1][1] == [delivery]
        await commit_and_ring(session, bell)  # a later commit rings for its own work only
    assert len(bell.rings) == 2


async def test_a_rollback_rings_nothing(engine: AsyncEngine, world: World) -> None:
    bell = Bell()
    async with make_sessionmaker(engine)() as session:
        await _collect(session, world.organisation_id)
        await session.rollback()
        drop_wakeups(session)
        await commit_and_ring(session, bell)
    assert bell.rings == []


async def test_a_failed_ring_keeps_the_commit_and_is_logged(
    engine: AsyncEngine, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_sessionmaker(engine)() as session:
        event, _ = await _collect(session, world.organisation_id)
        with caplog.at_level(logging.WARNING, logger="tongxin.events"):
            await commit_and_ring(session, Bell(broken=True))
    assert "the sweep will pick the work up" in caplog.text
    async with make_sessionmaker(engine)() as session:
        stored = await session.scalar(select(Event).where(Event.id == event.id))
    assert stored is not None and stored.relayed_at is None  # waiting for the sweep
