"""Suggestions (意见建议) of consultations and their adoption.

Role rules: office roles read all; a department reads only what was forwarded to it (others are
404); members and experts read their own. Staff create any suggestion and take every action
but ``respond``, which is the forwarded departments'; members and experts propose on sessions
they attended.
"""

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import Idempotent, Session, created, require, respond, respond_page
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from services.api.workflow_routes import workflow_routes
from shared.auth import OFFICE_READERS, Actor, Role
from shared.consultation import queries
from shared.consultation import schemas as s
from shared.consultation import suggestion_commands as commands
from shared.consultation.models import Suggestion

router = api_router(tags=["suggestions"])

READERS = (*OFFICE_READERS, Role.member, Role.expert, Role.department)
Reader = Annotated[Actor, Depends(require(*READERS, scope="read"))]
Proposer = Annotated[Actor, Depends(require(Role.staff, Role.member, Role.expert))]


@router.get("/suggestions", response_model=PageOut[s.SuggestionOut])
async def list_suggestions(
    session: Session,
    actor: Reader,
    state: s.SuggestionStateName | None = None,
    department_id: uuid.UUID | None = None,
    consultation_id: uuid.UUID | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.suggestion_page(
        session,
        actor,
        state=state,
        department_id=department_id,
        consultation_id=consultation_id,
        limit=limit,
        cursor=cursor,
    )
    return respond_page(page, s.SuggestionOut)


@router.get("/consultations/{consultation_id}/suggestions", response_model=PageOut[s.SuggestionOut])
async def list_consultation_suggestions(
    session: Session,
    actor: Reader,
    consultation_id: uuid.UUID,
    state: s.SuggestionStateName | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    consultation = await queries.get_consultation(session, actor, consultation_id)
    page = await queries.suggestion_page(
        session,
        actor,
        state=state,
        department_id=None,
        consultation_id=consultation.id,
        limit=limit,
        cursor=cursor,
    )
    return respond_page(page, s.SuggestionOut)


@router.post(
    "/consultations/{consultation_id}/suggestions",
    status_code=201,
    response_model=s.SuggestionOut,
    dependencies=[Idempotent],
)
async def create_suggestion(
    request: Request,
    session: Session,
    actor: Proposer,
    consultation_id: uuid.UUID,
    body: s.SuggestionCreate,
) -> JSONResponse:
    consultation = await queries.get_consultation(session, actor, consultation_id)
    suggestion = await commands.create_suggestion(session, actor, consultation, body)
    suggestion = await queries.get_suggestion(session, actor, suggestion.id)
    return await created(request, session, s.SuggestionOut.model_validate(suggestion))


@router.get("/suggestions/{suggestion_id}", response_model=s.SuggestionOut)
async def get_suggestion(session: Session, actor: Reader, suggestion_id: uuid.UUID) -> JSONResponse:
    suggestion = await queries.get_suggestion(session, actor, suggestion_id)
    return respond(s.SuggestionOut.model_validate(suggestion))


async def _move(
    session: AsyncSession, actor: Actor, suggestion: Suggestion, body: s.SuggestionMove
) -> Suggestion:
    await commands.move_suggestion(session, actor, suggestion, body)
    return await queries.get_suggestion(session, actor, suggestion.id)


workflow_routes(
    router,
    "/suggestions",
    load=queries.get_suggestion,
    move=_move,
    body_schema=s.SuggestionMove,
    out_schema=s.SuggestionOut,
    reader=require(*READERS, scope="read"),
    mover_role=require(Role.staff, Role.department),
)
