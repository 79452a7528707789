"""Proposals context: a unit's moves on its assignment (交办, domain.md §6.2), and staff's
answers to its requests. Every check runs under the assignment's lock before the first write;
the proposal's own moves that follow (handling, replied) are the worker's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock
from shared.auth import Actor
from shared.db import uuid7
from shared.errors import Conflict, Invalid
from shared.proposal import deadlines, handling
from shared.proposal import schemas as s
from shared.proposal.models import (
    Proposal,
    ProposalAssignment,
    ProposalOpinion,
    ProposalReply,
)
from shared.proposal.workflows import PROPOSAL_ASSIGNMENT
from shared.workflow import check_move, locked, transition

WORKFLOW = PROPOSAL_ASSIGNMENT


async def _proposal(session: AsyncSession, assignment: ProposalAssignment) -> Proposal:
    proposal: Proposal = await locked(
        session, select(Proposal).where(Proposal.id == assignment.proposal_id)
    )
    return proposal


async def accept(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.Accept
) -> ProposalAssignment:
    await transition(session, assignment, WORKFLOW, "accept", actor, comment=body.comment)
    return assignment


async def request_return(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.RequestReturn
) -> ProposalAssignment:
    """退回: a unit that is not the right one asks back, within the return window."""
    await check_move(session, assignment, WORKFLOW, "request_return", actor)
    deadline = assignment.return_deadline
    if deadline is not None and clock.now() > clock.as_utc(deadline):
        raise Conflict("The return window has passed; handle the proposal or ask for help.")
    changes = {"return_reason": body.reason}
    await transition(session, assignment, WORKFLOW, "request_return", actor, changes=changes)
    return assignment


async def approve_return(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.ApproveReturn
) -> ProposalAssignment:
    """Staff agree: the assignment is returned and the new unit gets one of its own."""
    await check_move(session, assignment, WORKFLOW, "approve_return", actor)
    await handling.check_departments(session, actor, [body.department_id], "department_id")
    proposal = await _proposal(session, assignment)
    taken = await session.scalar(
        select(ProposalAssignment.id).where(
            ProposalAssignment.proposal_id == proposal.id,
            ProposalAssignment.department_id == body.department_id,
            ProposalAssignment.state.in_(handling.ACTIVE),
        )
    )
    if taken is not None or body.department_id == assignment.department_id:
        raise Invalid(
            "department_id: that unit already handles this proposal.", loc=["body", "department_id"]
        )
    organisation = await handling.organisation_of(session, proposal.organisation_id)
    reply_due = proposal.reply_due_at or handling.due(
        organisation, organisation.proposal_reply_window
    )
    successor = handling.new_assignment(
        proposal, organisation, body.department_id, assignment.role, reply_due
    )
    handling.add_assignment(session, actor, successor)
    await transition(
        session,
        assignment,
        WORKFLOW,
        "approve_return",
        actor,
        comment=body.comment,
        event_fields={"successor_id": successor.id, "department_id": body.department_id},
    )
    return assignment


async def deny_return(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.DenyReturn
) -> ProposalAssignment:
    await transition(session, assignment, WORKFLOW, "deny_return", actor, comment=body.comment)
    return assignment


async def submit_opinion(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.SubmitOpinion
) -> ProposalAssignment:
    """协办意见: a co-handler's opinion for the lead unit, once a round."""
    await check_move(session, assignment, WORKFLOW, "submit_opinion", actor)
    if assignment.role != "co":
        raise Conflict("Only a co-handler (协办单位) submits an opinion.")
    session.add(
        ProposalOpinion(
            id=uuid7(),
            organisation_id=assignment.organisation_id,
            proposal_id=assignment.proposal_id,
            assignment_id=assignment.id,
            department_id=assignment.department_id,
            round=assignment.round,
            text=body.text,
            submitted_by_id=actor.id,
        )
    )
    await transition(session, assignment, WORKFLOW, "submit_opinion", actor)
    return assignment


async def request_extension(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.RequestExtension
) -> ProposalAssignment:
    """延期: the lead unit asks for a later reply date, at most the maximum window after
    assignment."""
    await check_move(session, assignment, WORKFLOW, "request_extension", actor)
    if assignment.role != "lead":
        raise Conflict("Only the lead unit (主办单位) asks for an extension.")
    organisation = await handling.organisation_of(session, assignment.organisation_id)
    latest = handling.due(
        organisation, organisation.proposal_max_reply_window, clock.as_utc(assignment.assigned_at)
    )
    until = clock.as_utc(body.until)
    current = clock.as_utc(assignment.reply_due_at) if assignment.reply_due_at else clock.now()
    if not current < until <= latest:
        raise Invalid(
            f"until: after the current due date and no later than {latest.isoformat()}.",
            loc=["body", "until"],
        )
    changes: dict[str, Any] = {"extension_until": until, "extension_reason": body.reason}
    await transition(
        session, assignment, WORKFLOW, "request_extension", actor, to="accepted", changes=changes
    )
    return assignment


async def approve_extension(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.ApproveExtension
) -> ProposalAssignment:
    await check_move(session, assignment, WORKFLOW, "approve_extension", actor)
    until: datetime | None = assignment.extension_until
    due_at = assignment.reply_due_at
    if until is None or (due_at is not None and clock.as_utc(until) <= clock.as_utc(due_at)):
        raise Conflict("No extension request is waiting.")
    proposal = await _proposal(session, assignment)
    proposal.reply_due_at = until
    proposal.overdue = False
    organisation = await handling.organisation_of(session, proposal.organisation_id)
    await deadlines.rearm(session, proposal, organisation)
    await transition(
        session,
        assignment,
        WORKFLOW,
        "approve_extension",
        actor,
        to="accepted",
        comment=body.comment,
        changes={"reply_due_at": until},
    )
    return assignment


async def reply(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.Reply
) -> ProposalAssignment:
    """答复: the lead unit's reply of this round (class, text, document number, 面商 date)."""
    await check_move(session, assignment, WORKFLOW, "reply", actor)
    if assignment.role != "lead":
        raise Conflict("Only the lead unit (主办单位) replies.")
    session.add(
        ProposalReply(
            id=uuid7(),
            organisation_id=assignment.organisation_id,
            proposal_id=assignment.proposal_id,
            assignment_id=assignment.id,
            department_id=assignment.department_id,
            round=assignment.round,
            final=False,
            reply_class=body.reply_class,
            text=body.text,
            doc_number=body.doc_number,
            face_to_face_on=body.face_to_face_on,
            replied_by_id=actor.id,
        )
    )
    fields = {"round": assignment.round, "class": body.reply_class}
    await transition(session, assignment, WORKFLOW, "reply", actor, event_fields=fields)
    return assignment


async def _worker_move(
    session: AsyncSession,
    actor: Actor,
    assignment: ProposalAssignment,
    body: s.WorkerAssignmentMove,
) -> ProposalAssignment:
    # Refused for every person (403): the workflow keeps the rule.
    await transition(session, assignment, WORKFLOW, body.action, actor, comment=body.comment)
    return assignment


_MOVES: dict[type[Any], Any] = {
    s.Accept: accept,
    s.RequestReturn: request_return,
    s.ApproveReturn: approve_return,
    s.DenyReturn: deny_return,
    s.SubmitOpinion: submit_opinion,
    s.RequestExtension: request_extension,
    s.ApproveExtension: approve_extension,
    s.Reply: reply,
    s.WorkerAssignmentMove: _worker_move,
}


async def move(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.AnyAssignmentMove
) -> ProposalAssignment:
    """Apply one action of ``POST /proposal-assignments/{id}/transitions``."""
    result: ProposalAssignment = await _MOVES[type(body)](session, actor, assignment, body)
    return result
