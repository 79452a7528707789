"""The delivery doorbell: after a commit, tell the worker which deliveries are due and when.

Like the outbox's own doorbell, a lost ring only delays a delivery until the next sweep.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

# (delivery id, the attempt number it waits for, when it is due)
DueDelivery = tuple[uuid.UUID, int, datetime]


class DeliveryBell(Protocol):
    async def wake_deliveries(self, deliveries: list[DueDelivery]) -> None: ...


def note_due(session: AsyncSession, delivery_id: uuid.UUID, attempt: int, due: datetime) -> None:
    session.info.setdefault("wake_deliveries", []).append((delivery_id, attempt, due))


def take_due(session: AsyncSession) -> list[DueDelivery]:
    due: list[DueDelivery] = session.info.pop("wake_deliveries", [])
    return due


async def ring(bell: object, due: list[DueDelivery]) -> None:
    """Ring ``bell`` if it takes delivery wake-ups (a waker without Redis may not)."""
    wake = getattr(bell, "wake_deliveries", None)
    if due and wake is not None:
        await wake(due)
