"""The relay's part for webhooks: each committed event gets its feed position and deliveries."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.automation import on_every_event
from shared.events import Event
from shared.webhook.feed import assign_position, fan_out


@on_every_event
async def publish(session: AsyncSession, event: Event) -> None:
    await fan_out(session, event)
    # Last, so the organisation's feed lock is held only for the rest of the commit.
    await assign_position(session, event)
