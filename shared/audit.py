"""The audit log: who did what to which object, when; the source of every ``/timeline``."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared import clock
from shared.auth import Actor
from shared.db import Base, Keyed
from shared.observability import request_id_var


class AuditEntry(Keyed, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_entity", "entity_id", "id"),
        # The largest tenant table: its keyset pages, plain and by entity type (rule 9).
        Index("ix_audit_entries_org_id", "organisation_id", "id"),
        Index("ix_audit_entries_org_type_id", "organisation_id", "entity_type", "id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[uuid.UUID]
    action: Mapped[str] = mapped_column(String(100))
    from_state: Mapped[str | None] = mapped_column(String(50))
    to_state: Mapped[str | None] = mapped_column(String(50))
    comment: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))


def record(
    session: AsyncSession,
    actor: Actor,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        organisation_id=actor.organisation_id,
        at=clock.now(),
        actor_id=actor.id,
        actor_label=actor.label,
        actor_role=actor.role.value,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        changes=json.loads(json.dumps(changes or {}, default=str, ensure_ascii=False)),
        request_id=request_id_var.get(),
    )
    session.add(entry)
    return entry


async def timeline(
    session: AsyncSession, organisation_id: uuid.UUID, entity_id: uuid.UUID
) -> list[AuditEntry]:
    """Every recorded move of one object, oldest first (ids are time-ordered)."""
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.organisation_id == organisation_id, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    )
    return list(rows.all())
