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
from shared.proposal.models import Proposal, ProposalAssignment, ProposalSigner
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
