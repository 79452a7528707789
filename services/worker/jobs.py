"""The worker's jobs, the same under arq and under the embedded runner.

Each unit of work is one transaction that claims its row with ``FOR UPDATE SKIP LOCKED`` (on
SQLite, ``BEGIN IMMEDIATE`` serialises instead), does the move, marks the row done and commits.
A worker that dies mid-way leaves nothing half-done: the claim is released with the rollback
and the next worker takes the same row. Each job ends with ``shared.events.commit_and_ring``, the
one after-commit doorbell the API's unit of work also uses.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.worker import delivery
from services.worker.sender import Sender
from shared import clock
from shared.automation import EVENT_HANDLERS, EVENT_OBSERVERS, TIMER_HANDLERS
from shared.events import Event, Waker, commit_and_ring, drop_wakeups
from shared.observability import request_id_var
from shared.timers import Timer

log = logging.getLogger("tongxin.worker")

JOBS = Counter("tongxin_worker_units_total", "Units of worker work", ["kind", "outcome"])

MAX_RETRY_DELAY = timedelta(hours=1)


def _retry_delay(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts), MAX_RETRY_DELAY)


async def relay_one(sessionmaker: async_sessionmaker[AsyncSession], waker: Waker | None) -> bool:
    """Hand the oldest unrelayed event to its automations. False when none is waiting."""
    now = clock.now()
    async with sessionmaker() as session:
        event = await session.scalar(
            select(Event)
            .where(
                Event.relayed_at.is_(None),
                or_(Event.relay_after.is_(None), Event.relay_after <= now),
            )
            .order_by(Event.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if event is None:
            return False
        event_id, attempts = event.id, event.relay_attempts
        token = request_id_var.set(event.request_id)
        try:
            for handler in (*EVENT_HANDLERS.get(event.type, ()), *EVENT_OBSERVERS):
                await handler(session, event)
            event.relayed_at = clock.now()
            await commit_and_ring(session, waker)
        except Exception as exc:
            await session.rollback()
            drop_wakeups(session)
            await _postpone(sessionmaker, Event, event_id, attempts, exc)
            JOBS.labels("event", "error").inc()
            return True
        finally:
            request_id_var.reset(token)
        JOBS.labels("event", "done").inc()
        return True


async def fire_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    timer_id: uuid.UUID | None = None,
) -> bool:
    """Fire the earliest due timer (or the given one, if it is due). False when none is due."""
    now = clock.now()
    async with sessionmaker() as session:
        stmt = select(Timer).where(Timer.state == "pending", Timer.due_at <= now)
        if timer_id is not None:
            stmt = stmt.where(Timer.id == timer_id)
        timer = await session.scalar(
            stmt.order_by(Timer.due_at).limit(1).with_for_update(skip_locked=True)
        )
        if timer is None:
            return False
        handler = TIMER_HANDLERS.get(timer.kind)
        timer_key, attempts = timer.id, timer.attempts
        try:
            if handler is None:
                raise LookupError(f"no handler for timer kind {timer.kind!r}")
            await handler(session, timer)
            if timer.state == "pending":  # a handler may have voided it instead
                timer.state = "fired"
            timer.fired_at = clock.now()
            await commit_and_ring(session, waker)
        except Exception as exc:
            await session.rollback()
            drop_wakeups(session)
            await _postpone(sessionmaker, Timer, timer_key, attempts, exc)
            JOBS.labels("timer", "error").inc()
            return True
        JOBS.labels("timer", "done").inc()
        return True


async def _postpone(
    sessionmaker: async_sessionmaker[AsyncSession],
    model: type[Event] | type[Timer],
    row_id: uuid.UUID,
    attempts: int,
    exc: Exception,
) -> None:
    """A failing handler must not block the queue: note the error and try again later."""
    log.error(
        "%s %s failed (attempt %d): %r",
        model.__tablename__,
        row_id,
        attempts + 1,
        exc,
        exc_info=exc,
    )
    delay_until = clock.now() + _retry_delay(attempts)
    values: dict[str, object] = {"attempts" if model is Timer else "relay_attempts": attempts + 1}
    if model is Timer:
        values.update(last_error=repr(exc)[:2000], due_at=delay_until)
    else:
        values.update(relay_error=repr(exc)[:2000], relay_after=delay_until)
    async with sessionmaker() as session:
        await session.execute(update(model).where(model.id == row_id).values(**values))
        await session.commit()


async def relay(
    sessionmaker: async_sessionmaker[AsyncSession], waker: Waker | None, limit: int = 1000
) -> int:
    """Relay waiting events until none is left (or ``limit``); returns how many."""
    done = 0
    while done < limit and await relay_one(sessionmaker, waker):
        done += 1
    return done


async def fire_due(
    sessionmaker: async_sessionmaker[AsyncSession], waker: Waker | None, limit: int = 1000
) -> int:
    done = 0
    while done < limit and await fire_one(sessionmaker, waker):
        done += 1
    return done


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    waker: Waker | None,
    sender: Sender | None = None,
) -> int:
    """Everything the database says is waiting: the safety net under every lost doorbell."""
    fired = await fire_due(sessionmaker, waker)
    relayed = await relay(sessionmaker, waker)
    sent = await delivery.deliver_due(sessionmaker, waker, sender)
    await delivery.refresh_metrics(sessionmaker)
    return fired + relayed + sent


async def next_due(sessionmaker: async_sessionmaker[AsyncSession]) -> datetime | None:
    """The next timer or delivery retry that falls due."""
    async with sessionmaker() as session:
        due: datetime | None = await session.scalar(
            select(Timer.due_at).where(Timer.state == "pending").order_by(Timer.due_at).limit(1)
        )
    retry = await delivery.next_due(sessionmaker)
    return min((d for d in (due, retry) if d is not None), default=None)
