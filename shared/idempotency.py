"""Idempotency records: a POST with an ``Idempotency-Key`` is done at most once per key and
caller for 24 hours. The record is written in the same transaction as the work it guards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared import clock
from shared.db import Base, Keyed
from shared.errors import IdempotencyKeyReused

TTL = timedelta(hours=24)


class IdempotencyRecord(Keyed, Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("caller", "key"),)

    caller: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]]
    headers: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime] = mapped_column(index=True)


async def find(
    session: AsyncSession, caller: str, key: str, request_hash: str
) -> IdempotencyRecord | None:
    """The earlier response for this key, or None; the same key with another body is refused."""
    record = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.caller == caller,
            IdempotencyRecord.key == key,
            IdempotencyRecord.expires_at > clock.now(),
        )
    )
    if record is not None and record.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used with a different request; use a new key."
        )
    return record


async def store(
    session: AsyncSession,
    *,
    caller: str,
    key: str,
    request_hash: str,
    status_code: int,
    body: dict[str, Any],
    headers: dict[str, str],
) -> None:
    # An expired record with the same key may still be there: it no longer binds the key.
    await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.caller == caller,
            IdempotencyRecord.key == key,
            IdempotencyRecord.expires_at <= clock.now(),
        )
    )
    session.add(
        IdempotencyRecord(
            caller=caller,
            key=key,
            request_hash=request_hash,
            status_code=status_code,
            body=body,
            headers=headers,
            expires_at=clock.now() + TTL,
        )
    )
