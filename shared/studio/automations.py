"""Studio context: what the worker does when a rating's timers fire."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.automation import on_timer
from shared.studio import commands, deadlines
from shared.studio.models import StudioRating
from shared.timers import Timer
from shared.workflow import locked


async def _awarded(session: AsyncSession, timer: Timer) -> StudioRating | None:
    """The timer's rating, if it is still awarded (a stale timer does nothing)."""
    # Locked once: the expiry's transition finds the lock held.
    rating: StudioRating | None = await locked(
        session, select(StudioRating).where(StudioRating.id == timer.subject_id)
    )
    return rating if rating is not None and rating.state == "awarded" else None


@on_timer(deadlines.EXPIRE)
async def expire_rating(session: AsyncSession, timer: Timer) -> None:
    """At ``valid_until`` an awarded rating expires (and stops being the studio's current one)."""
    rating = await _awarded(session, timer)
    if rating is not None:
        await commands.expire_rating(session, rating)


@on_timer(deadlines.EXPIRY_REMINDER)
async def remind_rating_expiry(session: AsyncSession, timer: Timer) -> None:
    """``rating_reminder_before`` ahead of expiry: a reminder on the rating's timeline."""
    rating = await _awarded(session, timer)
    if rating is not None:
        await commands.remind_rating_expiry(session, rating)
