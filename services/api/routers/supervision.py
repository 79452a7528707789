"""Supervision topics and cases. Role rules: staff write topics and cases; staff, leader,
auditor, admin (and integrators with the ``read`` scope) read all; a department handler reads
and answers only the cases assigned to its department (others are 404). Moves: staff start,
report, evaluate; departments answer; leaders withdraw and decide."""

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import (
    Idempotent,
    Session,
    check_if_match,
    created,
    require,
    respond,
    respond_page,
)
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from services.api.workflow_routes import timeline_route, workflow_routes
from shared.auth import OFFICE_READERS, Actor, Role
from shared.supervision import commands, queries
from shared.supervision import schemas as s
from shared.supervision.models import SupervisionCase

router = api_router(tags=["supervision"])

READERS = (*OFFICE_READERS, Role.department)
Reader = Annotated[Actor, Depends(require(*READERS, scope="read"))]
Staff = Annotated[Actor, Depends(require(Role.staff))]
mover = require(Role.staff, Role.leader, Role.department)

TOPICS = "/supervision-topics"
CASES = "/supervision-cases"


# --- topics ----------------------------------------------------------------------------------


@router.get(TOPICS, response_model=PageOut[s.TopicOut])
async def list_topics(
    session: Session,
    actor: Reader,
    where: Annotated[s.TopicFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.page_topics(
        session, actor, limit=limit, cursor=cursor, year=where.year, state=where.state
    )
    return respond_page(page, s.TopicOut)


@router.post(TOPICS, status_code=201, response_model=s.TopicOut, dependencies=[Idempotent])
async def create_topic(
    request: Request, session: Session, actor: Staff, body: s.TopicCreate
) -> JSONResponse:
    topic = await commands.create_topic(session, actor, body.model_dump())
    return await created(request, session, s.TopicOut.model_validate(topic))


@router.get(TOPICS + "/{topic_id}", response_model=s.TopicOut)
async def get_topic(session: Session, actor: Reader, topic_id: uuid.UUID) -> JSONResponse:
    return respond(s.TopicOut.model_validate(await queries.get_topic(session, actor, topic_id)))


@router.patch(TOPICS + "/{topic_id}", response_model=s.TopicOut)
async def update_topic(
    request: Request, session: Session, actor: Staff, topic_id: uuid.UUID, body: s.TopicUpdate
) -> JSONResponse:
    topic = await queries.get_topic(session, actor, topic_id)
    check_if_match(request, topic.version)
    topic = await commands.update_topic(session, actor, topic, body.model_dump(exclude_unset=True))
    return respond(s.TopicOut.model_validate(topic))


@router.delete(TOPICS + "/{topic_id}", status_code=204)
async def delete_topic(
    request: Request, session: Session, actor: Staff, topic_id: uuid.UUID
) -> Response:
    topic = await queries.get_topic(session, actor, topic_id)
    check_if_match(request, topic.version)
    await commands.delete_topic(session, actor, topic)
    return Response(status_code=204)


# Every move of a topic is the worker's (activated, concluded): a timeline, no transitions.
timeline_route(router, TOPICS, load=queries.get_topic, reader=require(*READERS, scope="read"))


# --- cases -----------------------------------------------------------------------------------


@router.get(CASES, response_model=PageOut[s.CaseOut])
async def list_cases(
    session: Session,
    actor: Reader,
    where: Annotated[s.CaseFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.page_cases(
        session, actor, limit=limit, cursor=cursor, **where.model_dump()
    )
    return respond_page(page, s.CaseOut)


@router.post(CASES, status_code=201, response_model=s.CaseOut, dependencies=[Idempotent])
async def create_case(
    request: Request, session: Session, actor: Staff, body: s.CaseCreate
) -> JSONResponse:
    case = await commands.create_case(session, actor, body.model_dump())
    return await created(request, session, s.CaseOut.model_validate(case))


@router.get(CASES + "/{case_id}", response_model=s.CaseOut)
async def get_case(session: Session, actor: Reader, case_id: uuid.UUID) -> JSONResponse:
    return respond(s.CaseOut.model_validate(await queries.get_case(session, actor, case_id)))


@router.patch(CASES + "/{case_id}", response_model=s.CaseOut)
async def update_case(
    request: Request, session: Session, actor: Staff, case_id: uuid.UUID, body: s.CaseUpdate
) -> JSONResponse:
    case = await queries.get_case(session, actor, case_id)
    check_if_match(request, case.version)
    case = await commands.update_case(session, actor, case, body.model_dump(exclude_unset=True))
    return respond(s.CaseOut.model_validate(case))


@router.get(CASES + "/{case_id}/feedback", response_model=PageOut[s.FeedbackOut])
async def list_feedback(
    session: Session,
    actor: Reader,
    case_id: uuid.UUID,
    where: Annotated[s.RoundFilter, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    """The departments' answers, oldest first (a department sees its own)."""
    case = await queries.get_case(session, actor, case_id)
    page = await queries.page_feedback(
        session, actor, case, limit=limit, cursor=cursor, round=where.round
    )
    return respond_page(page, s.FeedbackOut)


@router.get(CASES + "/{case_id}/evaluations", response_model=PageOut[s.EvaluationOut])
async def list_evaluations(
    session: Session,
    actor: Reader,
    case_id: uuid.UUID,
    where: Annotated[s.RoundFilter, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    """The committee's ratings, one per round."""
    case = await queries.get_case(session, actor, case_id)
    page = await queries.page_evaluations(
        session, actor, case, limit=limit, cursor=cursor, round=where.round
    )
    return respond_page(page, s.EvaluationOut)


async def _move(
    session: AsyncSession, actor: Actor, case: SupervisionCase, body: s.CaseMove
) -> SupervisionCase:
    return await commands.move(session, actor, case, body.root)


workflow_routes(
    router,
    CASES,
    load=queries.get_case,
    move=_move,
    body_schema=s.CaseMove,
    out_schema=s.CaseOut,
    reader=require(*READERS, scope="read"),
    mover_role=mover,
)
