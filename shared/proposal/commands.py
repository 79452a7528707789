"""Proposals context: the changes people make. Plain async functions; the boundary commits.

Every state change goes through ``shared.workflow.transition``; a move that checks more under
the row's lock (the lead signer, pending co-signers, the merge target) calls ``check_move``
first, checks, then transitions: one lock, every check before the first write.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock, events
from shared.auth import Actor, Role
from shared.db import uuid7
from shared.errors import Conflict, Forbidden, Invalid
from shared.org.models import Member, Organisation
from shared.proposal import handling, queries
from shared.proposal import schemas as s
from shared.proposal.models import Proposal, ProposalNumberSequence, ProposalSigner
from shared.proposal.workflows import PROPOSAL
from shared.tenancy import ensure_reference, scoped
from shared.workflow import check_move, locked, transition

# A merge target must still be open for handling: its reply is what the merged signers get.
MERGE_TARGET_STATES = ("submitted", "filed", "assigned", "handling")


async def _organisation(session: AsyncSession, actor: Actor) -> Organisation:
    return await session.get_one(Organisation, actor.organisation_id)


async def _lead_member(
    session: AsyncSession, actor: Actor, body: s.ProposalCreate
) -> uuid.UUID | None:
    """A member proposes as themselves; staff name the member of a paper proposal."""
    if body.proposer_kind != "member":
        if actor.role is Role.member:
            raise Forbidden("A member proposes as a member; staff enter collective proposals.")
        return None
    if actor.role is Role.member:
        if body.lead_member_id not in (None, actor.member_id) or actor.member_id is None:
            raise Forbidden("A member drafts only their own proposals.")
        return actor.member_id
    if body.lead_member_id is None:
        raise Invalid(
            "lead_member_id: a member proposal names its member.", loc=["body", "lead_member_id"]
        )
    await ensure_reference(session, Member, actor, body.lead_member_id, "lead_member_id")
    return body.lead_member_id


async def _check_signers(
    session: AsyncSession, actor: Actor, lead: uuid.UUID | None, ids: list[uuid.UUID]
) -> None:
    if lead in ids:
        raise Invalid(
            "signer_member_ids: the lead signer is not a co-signer.",
            loc=["body", "signer_member_ids"],
        )
    found = await session.scalars(
        scoped(Member, actor).where(Member.id.in_(ids)).with_only_columns(Member.id)
    )
    if len(set(found.all())) != len(ids):
        raise Invalid("signer_member_ids: no such member.", loc=["body", "signer_member_ids"])


async def create(session: AsyncSession, actor: Actor, body: s.ProposalCreate) -> Proposal:
    """A new proposal in ``draft``; its co-signers are asked to confirm."""
    lead = await _lead_member(session, actor, body)
    await _check_signers(session, actor, lead, body.signer_member_ids)
    organisation = await _organisation(session, actor)
    values = body.model_dump(exclude={"signer_member_ids", "lead_member_id"})
    proposal = Proposal(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        state=PROPOSAL.initial,
        year=clock.today(organisation.timezone).year,
        lead_member_id=lead,
        round=1,
        is_key=False,
        overdue=False,
        follow_up_open=False,
        created_by_id=actor.id,
        **values,
    )
    proposal.signers = [
        ProposalSigner(
            id=uuid7(),
            organisation_id=actor.organisation_id,
            member_id=member_id,
            order=order,
            status="pending",
        )
        for order, member_id in enumerate(body.signer_member_ids, start=1)
    ]
    session.add(proposal)
    await session.flush()
    fields = {
        "title": proposal.title,
        "proposer_kind": proposal.proposer_kind,
        "lead_member_id": lead,
        "signer_member_ids": body.signer_member_ids,
    }
    await events.record_created(session, actor, "proposal", proposal, fields, state=proposal.state)
    return proposal


async def sign(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.Signature
) -> Proposal:
    """联名: a co-signer confirms or declines while the proposal is a draft."""
    proposal = await locked(session, scoped(Proposal, actor).where(Proposal.id == proposal.id))
    row = await queries.signer(session, proposal, actor.member_id or uuid.UUID(int=0))
    if row is None:
        raise Forbidden("Only a co-signer named on the proposal answers for it.")
    if proposal.state != "draft":
        raise Conflict(f"Signatures are answered on a draft; this proposal is '{proposal.state}'.")
    row.status = "confirmed" if body.decision == "confirm" else "declined"
    row.decided_at = clock.now()
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="proposal",
        entity_id=proposal.id,
        action=f"signature_{row.status}",
        changes={"member_id": row.member_id},
    )
    await session.refresh(proposal, ["signers", "version", "updated_at"])
    return proposal


def _check_lead(actor: Actor, proposal: Proposal) -> None:
    """The lead signer's moves: a member acts only on the proposal they lead."""
    if actor.role is Role.member and (
        actor.member_id is None or actor.member_id != proposal.lead_member_id
    ):
        raise Forbidden("Only the lead signer (领衔人) takes this action.")


async def submit(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.Submit
) -> Proposal:
    await check_move(session, proposal, PROPOSAL, "submit", actor)
    _check_lead(actor, proposal)
    await session.refresh(proposal, ["signers"])
    pending = [signer.member_id for signer in proposal.signers if signer.status == "pending"]
    if pending:
        raise Conflict(f"{len(pending)} co-signer(s) have not yet confirmed.")
    await transition(
        session,
        proposal,
        PROPOSAL,
        "submit",
        actor,
        comment=body.comment,
        changes={"submitted_at": clock.now()},
    )
    return proposal


async def withdraw(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.Withdraw
) -> Proposal:
    await check_move(session, proposal, PROPOSAL, "withdraw", actor)
    _check_lead(actor, proposal)
    await transition(session, proposal, PROPOSAL, "withdraw", actor, comment=body.comment)
    return proposal


async def next_number(session: AsyncSession, organisation_id: uuid.UUID, year: int) -> str:
    """The next 提案号 of the organisation's year. The counter row stays locked to the commit,
    so concurrent filings queue on it: no gaps, no repeats."""
    stmt = select(ProposalNumberSequence).where(
        ProposalNumberSequence.organisation_id == organisation_id,
        ProposalNumberSequence.year == year,
    )
    counter = await locked(session, stmt)
    if counter is None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(ProposalNumberSequence)
            .values(organisation_id=organisation_id, year=year, last=0)
            .on_conflict_do_nothing()
        )
        counter = await locked(session, stmt)
        assert counter is not None
    counter.last += 1
    await session.flush()
    return f"{year}-{counter.last:03d}"


async def file(session: AsyncSession, actor: Actor, proposal: Proposal, body: s.File) -> Proposal:
    """审查立案: the proposal is filed and numbered."""
    await check_move(session, proposal, PROPOSAL, "file", actor)
    organisation = await _organisation(session, actor)
    number = await next_number(session, proposal.organisation_id, proposal.year)
    changes = {"number": number, "filed_on": clock.today(organisation.timezone)}
    await transition(
        session, proposal, PROPOSAL, "file", actor, comment=body.comment, changes=changes
    )
    return proposal


async def reject(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.Reject
) -> Proposal:
    changes = {"not_filed_reason": body.reason, "conversion": body.conversion}
    await transition(
        session, proposal, PROPOSAL, "reject", actor, comment=body.comment, changes=changes
    )
    return proposal


async def merge(session: AsyncSession, actor: Actor, proposal: Proposal, body: s.Merge) -> Proposal:
    """并案: the proposal is handled as part of ``into_id``."""
    await check_move(session, proposal, PROPOSAL, "merge", actor)
    target = await session.scalar(scoped(Proposal, actor).where(Proposal.id == body.into_id))
    if target is None or target.id == proposal.id or target.state not in MERGE_TARGET_STATES:
        raise Invalid(
            "into_id: the target must be another open proposal of this organisation.",
            loc=["body", "into_id"],
        )
    await transition(
        session,
        proposal,
        PROPOSAL,
        "merge",
        actor,
        comment=body.comment,
        changes={"merged_into_id": target.id},
    )
    return proposal


async def move(
    session: AsyncSession, actor: Actor, proposal: Proposal, body: s.AnyMove
) -> Proposal:
    """Apply one action of ``POST /proposals/{id}/transitions``."""
    if isinstance(body, s.Submit):
        proposal = await submit(session, actor, proposal, body)
    elif isinstance(body, s.Withdraw):
        proposal = await withdraw(session, actor, proposal, body)
    elif isinstance(body, s.File):
        proposal = await file(session, actor, proposal, body)
    elif isinstance(body, s.Reject):
        proposal = await reject(session, actor, proposal, body)
    elif isinstance(body, s.Merge):
        proposal = await merge(session, actor, proposal, body)
    elif isinstance(body, s.Assign):
        proposal = await handling.assign(session, actor, proposal, body)
    elif isinstance(body, s.MarkKey):
        proposal = await handling.mark_key(session, actor, proposal, body)
    elif isinstance(body, s.ProposalEvaluate):
        proposal = await handling.evaluate(session, actor, proposal, body)
    elif isinstance(body, s.Decide):
        proposal = await handling.decide(session, actor, proposal, body)
    elif isinstance(body, s.FinalReply):
        proposal = await handling.final_reply(session, actor, proposal, body)
    else:
        proposal = await transition(
            session, proposal, PROPOSAL, body.action, actor, comment=body.comment
        )
    return proposal
