"""The timers of a supervision case: the reminder ladder while departments answer, the evaluation
reminder, and the follow-up (回头看) after closing.

Offsets come from the organisation's settings, windows from the case's topic. Every move that
changes a case's state re-arms them, so a timer whose case has moved on is voided at once (and
its handler re-checks the state and round anyway).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock, timers
from shared.org.models import Organisation
from shared.supervision.models import SupervisionCase, SupervisionTopic

FEEDBACK_REMINDER = "supervision_case.feedback_reminder"
OVERDUE = "supervision_case.overdue"
ESCALATION = "supervision_case.escalation"
EVALUATION_REMINDER = "supervision_case.evaluation_reminder"
FOLLOW_UP = "supervision_case.follow_up"

# The follow-up is not voided by later moves: a closed case does not move again.
STATE_TIMERS = (FEEDBACK_REMINDER, OVERDUE, ESCALATION, EVALUATION_REMINDER)

KINDS = (*STATE_TIMERS, FOLLOW_UP)

_durations = TypeAdapter(list[timedelta])


def escalation_offsets(organisation: Organisation) -> list[timedelta]:
    """Escalation levels 1, 2, 3 … after the deadline (stored as ISO 8601 strings)."""
    return _durations.validate_python(organisation.escalation_after)


async def rearm(
    session: AsyncSession,
    case: SupervisionCase,
    topic: SupervisionTopic,
    organisation: Organisation,
) -> None:
    """Void the case's pending deadline timers and schedule the ones its new state needs."""
    await timers.void(session, case.id, STATE_TIMERS)
    if case.state == "awaiting_feedback" and case.feedback_due_at is not None:
        _feedback_ladder(session, case, organisation)
    elif case.state == "awaiting_evaluation":
        _schedule(
            session,
            case,
            EVALUATION_REMINDER,
            clock.now() + organisation.evaluation_reminder_after,
        )
    elif case.state == "closed" and topic.follow_up_after is not None:
        _schedule(session, case, FOLLOW_UP, clock.now() + topic.follow_up_after)


def _feedback_ladder(
    session: AsyncSession, case: SupervisionCase, organisation: Organisation
) -> None:
    due = case.feedback_due_at
    assert due is not None
    reminder_at = due - organisation.reminder_before
    # A window shorter than the reminder lead gets no reminder: it would ring at once.
    if reminder_at > clock.now():
        _schedule(session, case, FEEDBACK_REMINDER, reminder_at)
    _schedule(session, case, OVERDUE, due)
    for level, offset in enumerate(escalation_offsets(organisation), start=1):
        _schedule(session, case, ESCALATION, due + offset, level=level)


def _schedule(
    session: AsyncSession, case: SupervisionCase, kind: str, due_at: datetime, **extra: int
) -> None:
    timers.schedule(
        session,
        organisation_id=case.organisation_id,
        kind=kind,
        subject_type="supervision_case",
        subject_id=case.id,
        due_at=due_at,
        payload={"round": case.round, **extra},
    )
