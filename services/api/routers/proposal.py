"""Proposals (提案) and their assignments (交办). Role rules: a member drafts their own,
co-signs, and as lead signer submits, withdraws and evaluates; they read their own, those they
sign and every filed one. Staff create any (collective ones, paper ones for a member), file,
return, reject, merge, assign, answer units' requests and enter paper evaluations. Leaders mark
key proposals and settle escalated ones. Leaders, auditors and admins read all (integrators
with the ``read`` scope too). A department reads the proposals assigned to it and reads and
acts on its own assignments only (another unit's is 404). Another organisation's is 404."""

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import (
    Idempotent,
    Session,
    created,
    require,
    respond,
    respond_page,
)
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from services.api.workflow_routes import workflow_routes
from shared.auth import OFFICE_READERS, Actor, Role
from shared.proposal import assignments, commands, queries
from shared.proposal import schemas as s
from shared.proposal.models import Proposal, ProposalAssignment

router = api_router(tags=["proposals"])

READERS = (*OFFICE_READERS, Role.member, Role.department)
Reader = Annotated[Actor, Depends(require(*READERS, scope="read"))]
Proposer = Annotated[Actor, Depends(require(Role.member, Role.staff))]
Member = Annotated[Actor, Depends(require(Role.member))]
mover = require(Role.member, Role.staff, Role.leader, Role.department)

PROPOSALS = "/proposals"
ASSIGNMENTS = "/proposal-assignments"
HANDLERS = (*OFFICE_READERS, Role.department)
Handler = Annotated[Actor, Depends(require(*HANDLERS, scope="read"))]


@router.get(PROPOSALS, response_model=PageOut[s.ProposalOut])
async def list_proposals(
    session: Session,
    actor: Reader,
    where: Annotated[s.ProposalFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.page_proposals(
        session, actor, limit=limit, cursor=cursor, **where.model_dump()
    )
    return respond_page(page, s.ProposalOut)


@router.post(PROPOSALS, status_code=201, response_model=s.ProposalOut, dependencies=[Idempotent])
async def create_proposal(
    request: Request, session: Session, actor: Proposer, body: s.ProposalCreate
) -> JSONResponse:
    proposal = await commands.create(session, actor, body)
    return await created(request, session, s.ProposalOut.model_validate(proposal))


@router.get(PROPOSALS + "/{proposal_id}", response_model=s.ProposalOut)
async def get_proposal(session: Session, actor: Reader, proposal_id: uuid.UUID) -> JSONResponse:
    proposal = await queries.get_proposal(session, actor, proposal_id)
    return respond(s.ProposalOut.model_validate(proposal))


@router.post(PROPOSALS + "/{proposal_id}/signatures", response_model=s.ProposalOut)
async def sign_proposal(
    session: Session, actor: Member, proposal_id: uuid.UUID, body: s.Signature
) -> JSONResponse:
    """A co-signer confirms or declines (联名确认) while the proposal is a draft."""
    proposal = await queries.get_proposal(session, actor, proposal_id)
    proposal = await commands.sign(session, actor, proposal, body)
    return respond(s.ProposalOut.model_validate(proposal))


@router.get(PROPOSALS + "/{proposal_id}/replies", response_model=PageOut[s.ReplyOut])
async def list_replies(
    session: Session,
    actor: Reader,
    proposal_id: uuid.UUID,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    """Every round's reply, for whoever may read the proposal (its proposer included)."""
    proposal = await queries.get_proposal(session, actor, proposal_id)
    page = await queries.page_replies(session, actor, proposal, limit=limit, cursor=cursor)
    return respond_page(page, s.ReplyOut)


@router.get(PROPOSALS + "/{proposal_id}/opinions", response_model=PageOut[s.OpinionOut])
async def list_opinions(
    session: Session,
    actor: Handler,
    proposal_id: uuid.UUID,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    """Co-handlers' opinions: office readers and the lead unit (a co-handler sees its own)."""
    proposal = await queries.get_proposal(session, actor, proposal_id)
    page = await queries.page_opinions(session, actor, proposal, limit=limit, cursor=cursor)
    return respond_page(page, s.OpinionOut)


async def _move(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.ProposalMove
) -> Proposal:
    return await commands.move(session, actor, proposal, body.root)


workflow_routes(
    router,
    PROPOSALS,
    load=queries.get_proposal,
    move=_move,
    body_schema=s.ProposalMove,
    out_schema=s.ProposalOut,
    reader=require(*READERS, scope="read"),
    mover_role=mover,
)


# --- assignments (交办) ------------------------------------------------------------------------


@router.get(ASSIGNMENTS, response_model=PageOut[s.AssignmentOut])
async def list_assignments(
    session: Session,
    actor: Handler,
    where: Annotated[s.AssignmentFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.page_assignments(
        session, actor, limit=limit, cursor=cursor, **where.model_dump()
    )
    return respond_page(page, s.AssignmentOut)


@router.get(ASSIGNMENTS + "/{assignment_id}", response_model=s.AssignmentOut)
async def get_assignment(
    session: Session, actor: Handler, assignment_id: uuid.UUID
) -> JSONResponse:
    assignment = await queries.get_assignment(session, actor, assignment_id)
    return respond(s.AssignmentOut.model_validate(assignment))


async def _move_assignment(
    session: AsyncSession, actor: Actor, assignment: ProposalAssignment, body: s.AssignmentMove
) -> ProposalAssignment:
    return await assignments.move(session, actor, assignment, body.root)


workflow_routes(
    router,
    ASSIGNMENTS,
    load=queries.get_assignment,
    move=_move_assignment,
    body_schema=s.AssignmentMove,
    out_schema=s.AssignmentOut,
    reader=require(*HANDLERS, scope="read"),
    mover_role=require(Role.staff, Role.department),
)
