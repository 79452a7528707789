"""A delivery falling due asks the worker to come for it: collected on the session with the
transaction's other wake-ups, rung by ``shared.events.commit_and_ring`` after the commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import wakeups


def note_due(session: AsyncSession, delivery_id: uuid.UUID, attempt: int, due: datetime) -> None:
    wakeups(session).deliveries.append((delivery_id, attempt, due))
