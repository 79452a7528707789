"""The outbox: domain events written in the same transaction as the change they report; and the
worker's doorbell that rings once that transaction has committed.

A transaction collects its wake-ups on its session (new events here, new timers in
``shared.timers``, deliveries falling due in ``shared.webhook.doorbell``). The boundary that owns
the transaction (the API's unit of work, each worker job) ends it with ``commit_and_ring``: the
doorbell rings only after a successful commit, and never for a rollback (``drop_wakeups``). A
failed or lost ring only delays the work until the worker's next sweep, which finds the same work
in the database.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared import audit, clock
from shared.auth import Actor
from shared.db import Base, Keyed, uuid7
from shared.errors import Invalid
from shared.observability import request_id_var

log = logging.getLogger("tongxin.events")

MAX_EVENT_BYTES = 256 * 1024


class Event(Keyed, Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("subject_id", "sequence"),
        Index(
            "ix_events_unrelayed",
            "id",
            postgresql_where=text("relayed_at IS NULL"),
            sqlite_where=text("relayed_at IS NULL"),
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[uuid.UUID]
    sequence: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    request_id: Mapped[str | None] = mapped_column(String(64))
    relayed_at: Mapped[datetime | None]
    relay_attempts: Mapped[int] = mapped_column(Integer, default=0)
    relay_after: Mapped[datetime | None]
    relay_error: Mapped[str | None] = mapped_column(Text)


async def emit(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    type: str,
    subject_type: str,
    subject_id: uuid.UUID,
    state: str | None = None,
    **fields: Any,
) -> Event:
    """Append an event for a subject; ``sequence`` grows per subject.

    Callers hold the subject's row lock (``transition`` or a claimed timer), so the max+1 below is
    race-free; the unique constraint is the backstop.
    """
    last = await session.scalar(
        select(func.max(Event.sequence)).where(Event.subject_id == subject_id)
    )
    sequence = (last or 0) + 1
    data: dict[str, Any] = {
        "id": str(subject_id),
        "organisation_id": str(organisation_id),
        "sequence": sequence,
    }
    if state is not None:
        data["state"] = state
    data.update(fields)
    data = json.loads(json.dumps(data, default=str, ensure_ascii=False))
    if len(json.dumps(data, ensure_ascii=False).encode()) > MAX_EVENT_BYTES:
        raise Invalid(f"The {type} event would exceed {MAX_EVENT_BYTES} bytes.")
    event = Event(
        id=uuid7(),
        organisation_id=organisation_id,
        type=type,
        subject_type=subject_type,
        subject_id=subject_id,
        sequence=sequence,
        data=data,
        occurred_at=clock.now(),
        request_id=request_id_var.get(),
    )
    session.add(event)
    wakeups(session).events.append(event.id)
    return event


# (delivery id, the attempt number it waits for, when it is due)
DueDelivery = tuple[uuid.UUID, int, datetime]


@dataclass
class Wakeups:
    """What a transaction asks the worker to look at once it has committed."""

    events: list[uuid.UUID] = field(default_factory=list)
    timers: list[tuple[uuid.UUID, datetime]] = field(default_factory=list)
    deliveries: list[DueDelivery] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.events or self.timers or self.deliveries)


class Waker(Protocol):
    """The worker's doorbell (arq on Redis, or the embedded runner's in-process bell)."""

    async def wake(
        self, events: list[uuid.UUID], timers: list[tuple[uuid.UUID, datetime]]
    ) -> None: ...

    async def wake_deliveries(self, deliveries: list[DueDelivery]) -> None: ...


_WAKEUPS = "tongxin.wakeups"


def wakeups(session: AsyncSession) -> Wakeups:
    """The wake-ups the session's open transaction has collected so far."""
    collected: Wakeups = session.info.setdefault(_WAKEUPS, Wakeups())
    return collected


def drop_wakeups(session: AsyncSession) -> None:
    """After a rollback nothing was written: there is nothing to wake the worker for."""
    session.info.pop(_WAKEUPS, None)


async def commit_and_ring(session: AsyncSession, waker: Waker | None) -> None:
    """Commit the session's transaction, then ring the worker for what it collected, once.

    A failed commit drops the wake-ups and raises. A failed ring is logged and forgotten: the
    commit stands, and the worker's sweep finds the same work in the database."""
    try:
        await session.commit()
    except BaseException:
        drop_wakeups(session)
        raise
    due: Wakeups = session.info.pop(_WAKEUPS, None) or Wakeups()
    if waker is None or not due:
        return
    try:
        if due.events or due.timers:
            await waker.wake(due.events, due.timers)
        if due.deliveries:
            await waker.wake_deliveries(due.deliveries)
    except Exception:
        log.warning("worker wake-up failed; the sweep will pick the work up", exc_info=True)


async def record_created(
    session: AsyncSession,
    actor: Actor,
    subject_type: str,
    obj: Any,
    fields: dict[str, Any],
    *,
    state: str | None = None,
) -> Event:
    """The birth of an object: its first audit entry (the start of its timeline) and its
    ``<subject_type>.created`` event, carrying the same fields."""
    audit.record(
        session,
        actor,
        entity_type=subject_type,
        entity_id=obj.id,
        action="created",
        to_state=state,
        changes=fields,
    )
    return await emit(
        session,
        organisation_id=obj.organisation_id,
        type=f"{subject_type}.created",
        subject_type=subject_type,
        subject_id=obj.id,
        state=state,
        **fields,
    )
