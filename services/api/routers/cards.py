"""Member cards (委员名片) and the contact requests the public leaves on them.

Role rule: a card and leaving a request on it are public (no login; requests rate-limited per
client address); a member reads and answers the requests on their own card, the office
(admin, staff, leader) and auditors read all of them, staff and leaders answer them.
"""

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import Session, require, respond, respond_page
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from services.api.workflow_routes import workflow_routes
from shared.auth import Actor, Role
from shared.studio import cards, queries
from shared.studio import schemas as s
from shared.studio.models import ContactRequest

router = api_router()


class ContactFilters(BaseModel):
    member_id: uuid.UUID | None = None
    state: s.ContactState | None = None


# --- member cards and contact requests -------------------------------------------------------


@router.get("/members/{member_id}/card", response_model=s.MemberCard, tags=["member cards"])
async def member_card(request: Request, session: Session, member_id: uuid.UUID) -> JSONResponse:
    """Public (no login): the card, with only public fields, and where its QR code points."""
    member = await queries.public_member(session, member_id)
    sector, studios = await queries.card_details(session, member)
    card = s.MemberCard(
        id=member.id,
        name=member.name,
        sector=sector,
        studios=[
            s.CardStudio(id=st.id, kind=st.kind, name=st.name, address=st.address) for st in studios
        ],
        photo_url=member.photo_url,
        contact_url=str(request.url_for("leave_contact_request", member_id=member.id)),
    )
    return respond(card)


@router.post(
    "/members/{member_id}/contact-requests",
    status_code=201,
    response_model=s.ContactReceipt,
    tags=["member cards"],
)
async def leave_contact_request(
    request: Request, session: Session, member_id: uuid.UUID, body: s.ContactCreate
) -> JSONResponse:
    """Public (no login), rate-limited per client address: a request left on a member card."""
    member = await queries.public_member(session, member_id)
    client = request.client.host if request.client else "unknown"
    contact = await cards.leave_contact_request(session, member, body.text, body.contact, client)
    receipt = s.ContactReceipt.model_validate(contact)
    return respond(receipt, status=201, location=f"/api/v1/contact-requests/{contact.id}")


ContactReader = require(Role.admin, Role.staff, Role.leader, Role.auditor, Role.member)


@router.get("/contact-requests", response_model=PageOut[s.ContactOut], tags=["member cards"])
async def list_contact_requests(
    session: Session,
    actor: Annotated[Actor, Depends(ContactReader)],
    where: Annotated[ContactFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    """A member sees the requests on their own card; the office sees all."""
    page = await queries.contact_page(
        session, actor, where.model_dump(), limit=limit, cursor=cursor
    )
    return respond_page(page, s.ContactOut)


@router.get("/contact-requests/{contact_id}", response_model=s.ContactOut, tags=["member cards"])
async def get_contact_request(
    session: Session, actor: Annotated[Actor, Depends(ContactReader)], contact_id: uuid.UUID
) -> JSONResponse:
    contact = await queries.get_contact(session, actor, contact_id)
    return respond(s.ContactOut.model_validate(contact))


async def _move_contact(
    session: AsyncSession, actor: Actor, contact: ContactRequest, body: s.ContactAction
) -> ContactRequest:
    return await cards.act_on_contact_request(
        session, actor, contact, body.action, comment=body.comment, answer=body.answer
    )


workflow_routes(
    router,
    "/contact-requests",
    load=queries.get_contact,
    move=_move_contact,
    body_schema=s.ContactAction,
    out_schema=s.ContactOut,
    reader=ContactReader,
    mover_role=require(Role.staff, Role.leader, Role.member),
)
