"""What the worker does in a proposal's life, acting as ``system``.

Each handler runs inside the transaction that claimed its event or timer, locks the proposal
(or assignment) first (``shared.workflow.locked``) and re-checks its state and round, so a
replayed event or timer changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock
from shared.auth import Actor
from shared.automation import on_event, on_timer
from shared.events import Event
from shared.org.models import Organisation
from shared.proposal import deadlines, handling
from shared.proposal.models import Proposal, ProposalAssignment
from shared.proposal.workflows import PROPOSAL, PROPOSAL_ASSIGNMENT
from shared.timers import Timer
from shared.workflow import locked, note, transition

SATISFIED = frozenset({"satisfied", "basically_satisfied"})
# Class B (being solved) and C (not possible now) replies are followed up until a final reply.
FOLLOWED_UP = frozenset({"B", "C"})


async def _locked_proposal(session: AsyncSession, proposal_id: uuid.UUID) -> Proposal | None:
    proposal: Proposal | None = await locked(
        session, select(Proposal).where(Proposal.id == proposal_id)
    )
    return proposal


async def _lead_of_event(session: AsyncSession, event: Event) -> ProposalAssignment | None:
    """The assignment an event is about, when it is a lead unit's."""
    assignment = await session.get(ProposalAssignment, event.subject_id)
    return assignment if assignment is not None and assignment.role == "lead" else None


async def _move(session: AsyncSession, proposal: Proposal, action: str, **kwargs: Any) -> None:
    """A state change, then the timers its new state needs."""
    await transition(
        session, proposal, PROPOSAL, action, Actor.system(proposal.organisation_id), **kwargs
    )
    organisation = await handling.organisation_of(session, proposal.organisation_id)
    await deadlines.rearm(session, proposal, organisation)


@on_event("proposal_assignment.accepted", "proposal_assignment.return_denied")
async def start_handling(session: AsyncSession, event: Event) -> None:
    """The lead unit took the proposal on (承办): assigned → handling."""
    lead = await _lead_of_event(session, event)
    if lead is None:
        return
    proposal = await _locked_proposal(session, lead.proposal_id)
    if proposal is not None and proposal.state == "assigned":
        await _move(session, proposal, "accepted")


@on_event("proposal_assignment.replied")
async def record_reply(session: AsyncSession, event: Event) -> None:
    """The lead unit replied this round: handling → replied; B or C opens the follow-up."""
    lead = await _lead_of_event(session, event)
    if lead is None:
        return
    proposal = await _locked_proposal(session, lead.proposal_id)
    if proposal is None or proposal.state != "handling" or event.data["round"] != proposal.round:
        return
    reply_class = event.data["class"]
    changes: dict[str, object] = {"reply_class": reply_class}
    opens_follow_up = reply_class in FOLLOWED_UP and proposal.follow_up_due_at is None
    if opens_follow_up:
        organisation = await handling.organisation_of(session, proposal.organisation_id)
        changes |= {
            "follow_up_open": True,
            "follow_up_due_at": handling.due(organisation, organisation.follow_up_window),
        }
    await _move(session, proposal, "replied", changes=changes)
    if opens_follow_up:
        deadlines.arm_follow_up(session, proposal)
    await _tell_merged(session, proposal, reply_class)


async def _tell_merged(session: AsyncSession, target: Proposal, reply_class: str) -> None:
    """并案: every proposal merged into this one announces its reply, so integrators reach
    the merged proposal's signers too."""
    merged = await session.scalars(
        select(Proposal).where(Proposal.merged_into_id == target.id, Proposal.state == "merged")
    )
    system = Actor.system(target.organisation_id)
    for proposal in merged.all():
        await note(
            session,
            proposal,
            PROPOSAL,
            "replied",
            system,
            comment="并案提案已答复",
            target_id=target.id,
            round=target.round,
            reply_class=reply_class,
        )


@on_event("proposal.evaluated")
async def settle_evaluation(session: AsyncSession, event: Event) -> None:
    """Satisfied → closed; unsatisfied → another round, or escalated once rounds run out."""
    proposal = await _locked_proposal(session, event.subject_id)
    if proposal is None or proposal.state != "evaluated":
        return
    if proposal.result_rating in SATISFIED:
        await _move(session, proposal, "close")
        return
    organisation = await handling.organisation_of(session, proposal.organisation_id)
    if proposal.round < organisation.proposal_max_rounds:
        await _move(
            session, proposal, "rework", changes=handling.next_round(proposal, organisation)
        )
    else:
        await _move(session, proposal, "escalate")


@on_event("proposal.reworked")
async def reopen_assignments(session: AsyncSession, event: Event) -> None:
    """A new round: every unit still on the proposal answers again, by the new due date."""
    proposal = await _locked_proposal(session, event.subject_id)
    if proposal is None or proposal.state != "handling":
        return
    organisation = await handling.organisation_of(session, proposal.organisation_id)
    await deadlines.rearm(session, proposal, organisation)
    # A unit that answered the last round (replied, opinion given) is reopened; one still at
    # work (a co-handler yet to give its opinion) simply carries on in the new round. Both
    # states are past every unit action, so ``transition`` takes each row's lock once.
    rows = await session.scalars(
        select(ProposalAssignment).where(
            ProposalAssignment.proposal_id == proposal.id,
            ProposalAssignment.state.in_(("accepted", "replied", "opinion_submitted")),
            ProposalAssignment.round < proposal.round,
        )
    )
    system = Actor.system(proposal.organisation_id)
    for assignment in rows.all():
        changes = _round_changes(assignment, proposal, organisation)
        if assignment.state == "accepted":
            for key, value in changes.items():
                setattr(assignment, key, value)
            continue
        await transition(
            session, assignment, PROPOSAL_ASSIGNMENT, "reopen", system, changes=changes
        )


def _round_changes(
    assignment: ProposalAssignment, proposal: Proposal, organisation: Organisation
) -> dict[str, Any]:
    due = proposal.reply_due_at
    changes: dict[str, Any] = {"round": proposal.round, "overdue": False}
    if assignment.role == "lead":
        changes["reply_due_at"] = due
    elif due is not None:
        changes["opinion_due_at"] = clock.add_period(
            due, organisation.co_opinion_before, organisation.timezone, before=True
        )
    return changes


# --- timers ----------------------------------------------------------------------------------


async def _due_proposal(
    session: AsyncSession, timer: Timer, states: tuple[str, ...]
) -> Proposal | None:
    """The proposal the timer is about, if it is still in ``states`` in the timer's round."""
    proposal = await _locked_proposal(session, timer.subject_id)
    if proposal is None or proposal.state not in states or proposal.round != timer.payload["round"]:
        timer.state = "voided"
        return None
    return proposal


@on_timer(deadlines.REPLY_REMINDER)
async def remind_units(session: AsyncSession, timer: Timer) -> None:
    proposal = await _due_proposal(session, timer, deadlines.HANDLING)
    if proposal is not None:
        system = Actor.system(proposal.organisation_id)
        await note(
            session,
            proposal,
            PROPOSAL,
            "reminder",
            system,
            comment="答复到期提醒",
            round=proposal.round,
        )


@on_timer(deadlines.OVERDUE)
async def mark_overdue(session: AsyncSession, timer: Timer) -> None:
    proposal = await _due_proposal(session, timer, deadlines.HANDLING)
    if proposal is None or proposal.overdue:
        return
    proposal.overdue = True
    await session.execute(
        update(ProposalAssignment)
        .where(
            ProposalAssignment.proposal_id == proposal.id,
            ProposalAssignment.role == "lead",
            ProposalAssignment.state.in_(handling.ACTIVE),
        )
        .values(overdue=True, version=ProposalAssignment.version + 1)
    )
    system = Actor.system(proposal.organisation_id)
    await note(
        session,
        proposal,
        PROPOSAL,
        "overdue",
        system,
        comment="答复逾期",
        round=proposal.round,
        overdue=True,
    )


@on_timer(deadlines.ESCALATION)
async def raise_escalation(session: AsyncSession, timer: Timer) -> None:
    proposal = await _due_proposal(session, timer, deadlines.HANDLING)
    if proposal is not None:
        level = int(timer.payload["level"])
        system = Actor.system(proposal.organisation_id)
        await note(
            session,
            proposal,
            PROPOSAL,
            "escalation_raised",
            system,
            comment=f"逾期督办升级至第{level}级",
            round=proposal.round,
            escalation_level=level,
        )


@on_timer(deadlines.EVALUATION_WINDOW)
async def close_unevaluated(session: AsyncSession, timer: Timer) -> None:
    """Nobody evaluated within the window: closed, evaluation "none"."""
    proposal = await _due_proposal(session, timer, ("replied",))
    if proposal is not None:
        await _move(session, proposal, "expire", comment="评价期满未评价")


@on_timer(deadlines.FOLLOW_UP_DUE)
async def remind_follow_up(session: AsyncSession, timer: Timer) -> None:
    """The follow-up reminds until the lead unit's final reply."""
    proposal = await _locked_proposal(session, timer.subject_id)
    if proposal is None or not proposal.follow_up_open:
        timer.state = "voided"
        return
    system = Actor.system(proposal.organisation_id)
    await note(
        session,
        proposal,
        PROPOSAL,
        "follow_up_due",
        system,
        comment="跟踪办理到期",
        round=proposal.round,
    )
