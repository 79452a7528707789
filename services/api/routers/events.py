"""The event feed and the event types. Role rule: admin, staff, leader, auditor, and integrators
holding the ``read`` scope; everyone sees only their own organisation's events."""

from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import JSONResponse

from services.api.deps import Session, require, respond_page
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from shared.auth import OFFICE_READERS, Actor
from shared.pagination import Page
from shared.webhook import catalog, queries
from shared.webhook.schemas import EventEnvelope, EventTypeOut

router = api_router(tags=["events"])

Reader = Annotated[Actor, Depends(require(*OFFICE_READERS, scope="read"))]


@router.get(
    "/events",
    response_model=PageOut[EventEnvelope],
    summary="The event feed, oldest first",
    description=(
        "Envelopes in the order they became visible. `next_cursor` is where to resume: keep "
        "it and poll again; it never skips an event that committed late. `type` is an exact "
        "type, `family.*` or `*`."
    ),
)
async def list_events(
    session: Session,
    actor: Reader,
    type: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.feed_page(session, actor, cursor=cursor, type=type, limit=limit)
    return respond_page(page, EventEnvelope)


@router.get(
    "/event-types",
    response_model=PageOut[EventTypeOut],
    summary="Every event type with the JSON Schema of its envelope",
)
async def list_event_types(actor: Reader) -> JSONResponse:
    return respond_page(Page(items=catalog.describe(), next_cursor=None), EventTypeOut)
