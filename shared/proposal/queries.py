"""Proposals context: every SELECT, tenant-scoped, with the row rules, keyset-paged.

Row rules (api.md): office roles read every proposal; a member reads their own, those they
co-sign and every filed one (filed or later: numbered proposals are public to members); a
department reads those assigned to it. Anything else is not found.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shared.auth import Actor, Role
from shared.pagination import Page, paginate
from shared.proposal.models import (
    Proposal,
    ProposalAssignment,
    ProposalOpinion,
    ProposalReply,
    ProposalSigner,
)
from shared.tenancy import filtered, one, scoped

# A proposal numbered by filing stays visible to every member, whatever happened next.
NUMBERED_STATES = (
    "filed",
    "assigned",
    "handling",
    "replied",
    "evaluated",
    "escalated",
    "closed",
)
_NOBODY = uuid.UUID(int=0)


def _signs(member_id: uuid.UUID) -> Any:
    return exists().where(
        ProposalSigner.proposal_id == Proposal.id, ProposalSigner.member_id == member_id
    )


def _assigned_to(department_id: uuid.UUID) -> Any:
    return exists().where(
        ProposalAssignment.proposal_id == Proposal.id,
        ProposalAssignment.department_id == department_id,
    )


def _proposals(actor: Actor) -> Select[tuple[Proposal]]:
    stmt = scoped(Proposal, actor).options(selectinload(Proposal.signers))
    if actor.role is Role.member:
        member_id = actor.member_id or _NOBODY
        stmt = stmt.where(
            or_(
                Proposal.lead_member_id == member_id,
                _signs(member_id),
                Proposal.state.in_(NUMBERED_STATES),
            )
        )
    elif actor.role is Role.department:
        stmt = stmt.where(_assigned_to(actor.department_id or _NOBODY))
    return stmt


async def get_proposal(session: AsyncSession, actor: Actor, proposal_id: uuid.UUID) -> Proposal:
    """One proposal the actor may see: anyone else's or another organisation's is not found."""
    return await one(session, _proposals(actor), Proposal, proposal_id)


async def page_proposals(
    session: AsyncSession,
    actor: Actor,
    *,
    limit: int,
    cursor: str | None,
    member_id: uuid.UUID | None = None,
    department_id: uuid.UUID | None = None,
    q: str | None = None,
    **equal: Any,
) -> Page[Proposal]:
    stmt = filtered(_proposals(actor), Proposal, equal)
    if member_id is not None:
        stmt = stmt.where(or_(Proposal.lead_member_id == member_id, _signs(member_id)))
    if department_id is not None:
        stmt = stmt.where(_assigned_to(department_id))
    if q is not None:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(Proposal.title.like(like, escape="\\"), Proposal.number.like(like, escape="\\"))
        )
    return await paginate(session, stmt, Proposal.id, limit=limit, cursor=cursor)


async def signer(
    session: AsyncSession, proposal: Proposal, member_id: uuid.UUID
) -> ProposalSigner | None:
    found: ProposalSigner | None = await session.scalar(
        select(ProposalSigner).where(
            ProposalSigner.proposal_id == proposal.id, ProposalSigner.member_id == member_id
        )
    )
    return found


# --- assignments, replies, opinions ------------------------------------------------------------


def _assignments(actor: Actor) -> Select[tuple[ProposalAssignment]]:
    """A department reads and acts on its own unit's assignments only."""
    stmt = scoped(ProposalAssignment, actor)
    if actor.role is Role.department:
        stmt = stmt.where(ProposalAssignment.department_id == (actor.department_id or _NOBODY))
    return stmt


async def get_assignment(
    session: AsyncSession, actor: Actor, assignment_id: uuid.UUID
) -> ProposalAssignment:
    return await one(session, _assignments(actor), ProposalAssignment, assignment_id)


async def page_assignments(
    session: AsyncSession, actor: Actor, *, limit: int, cursor: str | None, **equal: Any
) -> Page[ProposalAssignment]:
    stmt = filtered(_assignments(actor), ProposalAssignment, equal)
    return await paginate(session, stmt, ProposalAssignment.id, limit=limit, cursor=cursor)


async def page_replies(
    session: AsyncSession, actor: Actor, proposal: Proposal, *, limit: int, cursor: str | None
) -> Page[ProposalReply]:
    """Every round's reply (and the follow-up's final one), oldest first."""
    stmt = scoped(ProposalReply, actor).where(ProposalReply.proposal_id == proposal.id)
    return await paginate(session, stmt, ProposalReply.id, limit=limit, cursor=cursor)


async def page_opinions(
    session: AsyncSession, actor: Actor, proposal: Proposal, *, limit: int, cursor: str | None
) -> Page[ProposalOpinion]:
    """Co-handlers' opinions: staff and the lead unit read them all; a co-handler its own."""
    stmt = scoped(ProposalOpinion, actor).where(ProposalOpinion.proposal_id == proposal.id)
    if actor.role is Role.department:
        department_id = actor.department_id or _NOBODY
        leads = exists().where(
            ProposalAssignment.proposal_id == proposal.id,
            ProposalAssignment.department_id == department_id,
            ProposalAssignment.role == "lead",
        )
        stmt = stmt.where(or_(leads, ProposalOpinion.department_id == department_id))
    return await paginate(session, stmt, ProposalOpinion.id, limit=limit, cursor=cursor)
