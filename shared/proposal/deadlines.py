"""The timers of a proposal: the reply ladder while its units handle it (reminder, overdue,
escalation levels, as for supervision), the evaluation window after the reply, and the
follow-up of a class B or C reply.

Windows are the organisation's settings. Every move that changes a proposal's state (or its
due date) re-arms them, so a timer of a state left behind is voided at once; handlers re-check
the state and round anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock, timers
from shared.org.models import Organisation
from shared.proposal.models import Proposal

REPLY_REMINDER = "proposal.reply_reminder"
OVERDUE = "proposal.overdue"
ESCALATION = "proposal.escalation"
EVALUATION_WINDOW = "proposal.evaluation_window"
FOLLOW_UP_DUE = "proposal.follow_up_due"

STATE_TIMERS = (REPLY_REMINDER, OVERDUE, ESCALATION, EVALUATION_WINDOW)
# The follow-up outlives state changes: it runs until the lead unit's final reply.
KINDS = (*STATE_TIMERS, FOLLOW_UP_DUE)

HANDLING = ("assigned", "handling")

# The organisation's escalation levels after a deadline, stored as ISO 8601 strings.
_ESCALATIONS = TypeAdapter(list[timedelta])


async def rearm(session: AsyncSession, proposal: Proposal, organisation: Organisation) -> None:
    """Void the proposal's pending state timers and schedule those its state needs now."""
    await timers.void(session, proposal.id, STATE_TIMERS)
    if proposal.state in HANDLING and proposal.reply_due_at is not None:
        due = clock.as_utc(proposal.reply_due_at)
        reminder_at = due - organisation.reminder_before
        # A window shorter than the reminder lead gets no reminder: it would ring at once.
        if reminder_at > clock.now():
            _schedule(session, proposal, REPLY_REMINDER, reminder_at)
        _schedule(session, proposal, OVERDUE, due)
        for level, offset in enumerate(
            _ESCALATIONS.validate_python(organisation.escalation_after), start=1
        ):
            _schedule(session, proposal, ESCALATION, due + offset, level=level)
    elif proposal.state == "replied":
        at = clock.add_period(clock.now(), organisation.evaluation_window, organisation.timezone)
        _schedule(session, proposal, EVALUATION_WINDOW, at)


def arm_follow_up(session: AsyncSession, proposal: Proposal) -> None:
    assert proposal.follow_up_due_at is not None
    _schedule(session, proposal, FOLLOW_UP_DUE, clock.as_utc(proposal.follow_up_due_at))


def _schedule(
    session: AsyncSession, proposal: Proposal, kind: str, due_at: datetime, **extra: int
) -> None:
    timers.schedule(
        session,
        organisation_id=proposal.organisation_id,
        kind=kind,
        subject_type="proposal",
        subject_id=proposal.id,
        due_at=due_at,
        payload={"round": proposal.round, **extra},
    )
