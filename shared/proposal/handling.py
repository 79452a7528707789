"""Proposals context: the moves after filing — assignment to units (交办), key proposals,
evaluation, a leader's decision and the follow-up's final reply. The boundary commits.

The windows are the organisation's settings, counted on its calendar (``clock.add_period``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock
from shared.auth import Actor, Role
from shared.db import uuid7
from shared.errors import Conflict, Forbidden, Invalid
from shared.org.models import Department, Organisation
from shared.proposal import deadlines
from shared.proposal import schemas as s
from shared.proposal.models import Proposal, ProposalAssignment, ProposalReply
from shared.proposal.workflows import PROPOSAL
from shared.tenancy import scoped
from shared.workflow import check_move, transition

# An assignment still answering for its unit (a returned one has handed the proposal on).
ACTIVE = ("assigned", "accepted", "return_requested", "opinion_submitted", "replied")


async def organisation_of(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation:
    return await session.get_one(Organisation, organisation_id)


def due(organisation: Organisation, period: str, at: datetime | None = None) -> datetime:
    return clock.add_period(at or clock.now(), period, organisation.timezone)


def new_assignment(
    proposal: Proposal,
    organisation: Organisation,
    department_id: uuid.UUID,
    role: str,
    reply_due_at: datetime,
) -> ProposalAssignment:
    """A unit's part in this round: the lead answers by ``reply_due_at``, a co-handler gives
    its opinion ``co_opinion_before`` that."""
    opinion_due = None
    if role == "co":
        opinion_due = clock.add_period(
            reply_due_at, organisation.co_opinion_before, organisation.timezone, before=True
        )
    return ProposalAssignment(
        id=uuid7(),
        organisation_id=proposal.organisation_id,
        proposal_id=proposal.id,
        department_id=department_id,
        role=role,
        state="assigned",
        round=proposal.round,
        assigned_at=clock.now(),
        reply_due_at=reply_due_at if role == "lead" else None,
        opinion_due_at=opinion_due,
        return_deadline=due(organisation, organisation.return_window),
        overdue=False,
    )


def add_assignment(session: AsyncSession, actor: Actor, assignment: ProposalAssignment) -> None:
    """A new assignment, its timeline starting with who made it."""
    session.add(assignment)
    audit.record(
        session,
        actor,
        entity_type="proposal_assignment",
        entity_id=assignment.id,
        action="created",
        to_state=assignment.state,
        changes={"department_id": assignment.department_id, "role": assignment.role},
    )


async def check_departments(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID], field: str
) -> None:
    found = await session.scalars(
        scoped(Department, actor).where(Department.id.in_(ids)).with_only_columns(Department.id)
    )
    if len(set(found.all())) != len(set(ids)):
        raise Invalid(f"{field}: no such department.", loc=["body", field])


async def assign(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.Assign
) -> Proposal:
    """交办: one lead unit (主办) and co-handlers (协办), each an assignment of its own."""
    await check_move(session, proposal, PROPOSAL, "assign", actor)
    units = [body.lead_department_id, *body.co_department_ids]
    await check_departments(session, actor, units, "co_department_ids")
    organisation = await organisation_of(session, proposal.organisation_id)
    reply_due = due(organisation, organisation.proposal_reply_window)
    for i, unit in enumerate(units):
        role = "lead" if i == 0 else "co"
        add_assignment(
            session, actor, new_assignment(proposal, organisation, unit, role, reply_due)
        )
    await transition(
        session,
        proposal,
        PROPOSAL,
        "assign",
        actor,
        comment=body.comment,
        changes={"reply_due_at": reply_due},
        event_fields={
            "lead_department_id": body.lead_department_id,
            "co_department_ids": body.co_department_ids,
        },
    )
    await deadlines.rearm(session, proposal, organisation)
    return proposal


async def mark_key(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.MarkKey
) -> Proposal:
    """重点提案: a leader leads (领办) and another urges (督办) its handling."""
    await check_move(session, proposal, PROPOSAL, "mark_key", actor)
    changes = {"is_key": True, "lead_leader": body.lead_leader, "urging_leader": body.urging_leader}
    await transition(
        session, proposal, PROPOSAL, "mark_key", actor, to=proposal.state, changes=changes
    )
    return proposal


async def evaluate(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.ProposalEvaluate
) -> Proposal:
    """评价: the lead signer rates process and result; staff enter a paper form for them."""
    await check_move(session, proposal, PROPOSAL, "evaluate", actor)
    if actor.role is Role.member:
        if actor.member_id is None or actor.member_id != proposal.lead_member_id:
            raise Forbidden("Only the lead signer (领衔人) evaluates the reply.")
        if body.on_paper:
            raise Invalid("on_paper: a paper form is entered by staff.", loc=["body", "on_paper"])
    elif not body.on_paper:
        raise Invalid("on_paper: staff enter the proposer's paper form.", loc=["body", "on_paper"])
    changes: dict[str, Any] = {
        "process_rating": body.process_rating,
        "result_rating": body.result_rating,
        "evaluation_comment": body.comment,
        "evaluated_at": clock.now(),
        "evaluated_on_paper": body.on_paper,
    }
    await transition(
        session, proposal, PROPOSAL, "evaluate", actor, comment=body.comment, changes=changes
    )
    return proposal


def next_round(proposal: Proposal, organisation: Organisation) -> dict[str, Any]:
    """Another round of handling: a fresh reply deadline, the old round's marks cleared."""
    return {
        "round": proposal.round + 1,
        "reply_due_at": due(organisation, organisation.proposal_reply_window),
        "overdue": False,
    }


async def decide(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.Decide
) -> Proposal:
    """A leader settles an escalated proposal: close it, or send it back for another round."""
    await check_move(session, proposal, PROPOSAL, "decide", actor)
    if body.outcome == "close":
        await transition(session, proposal, PROPOSAL, "decide", actor, to="closed")
        return proposal
    organisation = await organisation_of(session, proposal.organisation_id)
    await transition(
        session,
        proposal,
        PROPOSAL,
        "decide",
        actor,
        to="handling",
        comment=body.comment,
        changes=next_round(proposal, organisation),
    )
    return proposal


async def lead_assignment(session: AsyncSession, proposal: Proposal) -> ProposalAssignment | None:
    found: ProposalAssignment | None = await session.scalar(
        select(ProposalAssignment).where(
            ProposalAssignment.proposal_id == proposal.id,
            ProposalAssignment.role == "lead",
            ProposalAssignment.state.in_(ACTIVE),
        )
    )
    return found


async def final_reply(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.FinalReply
) -> Proposal:
    """The lead unit closes a class B or C reply's follow-up (class A once solved)."""
    await check_move(session, proposal, PROPOSAL, "final_reply", actor)
    lead = await lead_assignment(session, proposal)
    if lead is None or lead.department_id != actor.department_id:
        raise Forbidden("Only the lead unit (主办单位) gives the final reply.")
    if not proposal.follow_up_open:
        raise Conflict("The proposal has no open follow-up.")
    session.add(
        ProposalReply(
            id=uuid7(),
            organisation_id=proposal.organisation_id,
            proposal_id=proposal.id,
            assignment_id=lead.id,
            department_id=lead.department_id,
            round=proposal.round,
            final=True,
            reply_class=body.reply_class,
            text=body.text,
            replied_by_id=actor.id,
        )
    )
    changes = {"reply_class": body.reply_class, "follow_up_open": False}
    await transition(
        session, proposal, PROPOSAL, "final_reply", actor, to=proposal.state, changes=changes
    )
    return proposal
