"""Studio context: the changes on member cards (委员名片) — public contact requests and their
answers. Plain async functions; the boundary commits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock, events
from shared.auth import Actor, Role
from shared.db import uuid7
from shared.errors import RateLimited
from shared.org.models import Member
from shared.studio import queries
from shared.studio.models import ContactRequest
from shared.studio.workflows import CONTACT_REQUEST
from shared.workflow import transition

# 名片留言 are public: at most this many per client address per window, counted in the database
# so that every API replica agrees.
CONTACT_LIMIT = 5
CONTACT_WINDOW = timedelta(hours=1)


async def leave_contact_request(
    session: AsyncSession, member: Member, text: str, contact: str, client: str
) -> ContactRequest:
    """The public leaves a request on a member card; refused (429) past the per-address limit."""
    now = clock.now()
    if await queries.contacts_from(session, client, now - CONTACT_WINDOW) >= CONTACT_LIMIT:
        raise RateLimited(
            f"At most {CONTACT_LIMIT} requests an hour from one address; try again later.",
            retry_after=int(CONTACT_WINDOW.total_seconds()),
        )
    request = ContactRequest(
        id=uuid7(),
        organisation_id=member.organisation_id,
        member_id=member.id,
        text=text,
        contact=contact,
        client=client[:64],
        state=CONTACT_REQUEST.initial,
        state_changed_at=now,
    )
    session.add(request)
    await session.flush()
    # The sender is nobody we know: the audit row names them only as "public".
    public = Actor(
        id=None, organisation_id=member.organisation_id, role=Role.system, label="public"
    )
    audit.record(
        session,
        public,
        entity_type=CONTACT_REQUEST.name,
        entity_id=request.id,
        action="created",
        to_state=request.state,
    )
    # What the sender wrote and how to reach them stay out of events (they travel to webhooks).
    await events.emit(
        session,
        organisation_id=member.organisation_id,
        type="contact_request.created",
        subject_type=CONTACT_REQUEST.name,
        subject_id=request.id,
        state=request.state,
        member_id=member.id,
    )
    return request


async def act_on_contact_request(
    session: AsyncSession, actor: Actor, request: ContactRequest, action: str, **fields: Any
) -> ContactRequest:
    """``answer`` or ``close`` a request: its member (rows of others are not found) or staff."""
    changes = {"answer": fields["answer"]} if fields.get("answer") is not None else None
    moved: ContactRequest = await transition(
        session,
        request,
        CONTACT_REQUEST,
        action,
        actor,
        comment=fields.get("comment"),
        changes=changes,
    )
    return moved
