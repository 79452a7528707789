"""The outbox: domain events written in the same transaction as the change they report.

After the transaction commits, the boundary (API request or worker job) rings the worker's
doorbell with the ids collected here; a lost doorbell only delays work until the next sweep.
"""

from __future__ import annotations

import json
import uuid
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
    session.info.setdefault("wake_events", []).append(event.id)
    return event


class Waker(Protocol):
    """The worker's doorbell: told after commit which events and timers are new."""

    async def wake(
        self, events: list[uuid.UUID], timers: list[tuple[uuid.UUID, datetime]]
    ) -> None: ...


def take_wakeups(session: AsyncSession) -> tuple[list[uuid.UUID], list[tuple[uuid.UUID, datetime]]]:
    """What the committed transaction asks the worker to look at (and forget it)."""
    events: list[uuid.UUID] = session.info.pop("wake_events", [])
    timers: list[tuple[uuid.UUID, datetime]] = session.info.pop("wake_timers", [])
    return events, timers


def drop_wakeups(session: AsyncSession) -> None:
    """On rollback, nothing was written: there is nothing to wake for."""
    take_wakeups(session)


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
