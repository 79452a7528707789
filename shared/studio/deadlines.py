"""The timers of a studio rating: its expiry at ``valid_until`` and the reminder ahead of it
(``rating_reminder_before``, from the organisation's settings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock, timers
from shared.org.models import Organisation
from shared.studio.models import StudioRating

EXPIRE = "studio_rating.expire"
EXPIRY_REMINDER = "studio_rating.expiry_reminder"

KINDS = (EXPIRE, EXPIRY_REMINDER)


def arm(session: AsyncSession, rating: StudioRating, organisation: Organisation) -> None:
    """An awarded rating expires at ``valid_until``, with a reminder before (if still ahead)."""
    assert rating.valid_until is not None  # set by the award, in the same move
    _schedule(session, rating, EXPIRE, rating.valid_until)
    remind_at = rating.valid_until - organisation.rating_reminder_before
    if remind_at > clock.now():
        _schedule(session, rating, EXPIRY_REMINDER, remind_at)


async def void_reminder(session: AsyncSession, rating: StudioRating) -> None:
    """An expiring rating needs no reminder any more."""
    await timers.void(session, rating.id, [EXPIRY_REMINDER])


def _schedule(session: AsyncSession, rating: StudioRating, kind: str, due_at: datetime) -> None:
    timers.schedule(
        session,
        organisation_id=rating.organisation_id,
        kind=kind,
        subject_type="studio_rating",
        subject_id=rating.id,
        due_at=due_at,
    )
