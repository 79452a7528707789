"""Timers live in the database, not in Redis: deadlines, reminders, escalations, follow-ups.

The worker's sweeper claims due timers with ``FOR UPDATE SKIP LOCKED``; each fires once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, Keyed, Timestamped, uuid7
from shared.events import wakeups


class Timer(Keyed, Timestamped, Base):
    __tablename__ = "timers"
    __table_args__ = (
        Index(
            "ix_timers_due",
            "due_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index("ix_timers_subject", "subject_id", "state"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[uuid.UUID]
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    fired_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def schedule(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    kind: str,
    subject_type: str,
    subject_id: uuid.UUID,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> Timer:
    timer = Timer(
        id=uuid7(),
        organisation_id=organisation_id,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        due_at=due_at,
        payload=payload or {},
        state="pending",
        attempts=0,
    )
    session.add(timer)
    wakeups(session).timers.append((timer.id, due_at))
    return timer


async def void(
    session: AsyncSession, subject_id: uuid.UUID, kinds: Iterable[str] | None = None
) -> None:
    """Cancel a subject's pending timers (it has moved on, so they must not fire)."""
    stmt = (
        update(Timer)
        .where(Timer.subject_id == subject_id, Timer.state == "pending")
        .values(state="voided")
    )
    if kinds is not None:
        stmt = stmt.where(Timer.kind.in_(list(kinds)))
    await session.execute(stmt)
