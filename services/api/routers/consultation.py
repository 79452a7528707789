"""Consultations (协商): platforms, plans, campaigns, sessions, attendance and the calendar.

Role rules: everyone signed in reads platforms, campaigns and sessions; admin and staff manage
platforms, plans and campaigns; staff run sessions; members and experts sign themselves in.
"""

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from services.api.crud import Filters, crud_routes
from services.api.deps import (
    Idempotent,
    Session,
    authenticate,
    check_if_match,
    created,
    require,
    respond,
    respond_page,
)
from services.api.schemas import CALENDAR, Cursor, Limit, PageOut, media
from services.api.unit_of_work import api_router
from services.api.workflow_routes import workflow_routes
from shared import tenancy
from shared.auth import OFFICE_READERS, USER_ROLES, Actor, Role
from shared.consultation import calendar, commands, queries
from shared.consultation import schemas as s
from shared.consultation.models import Campaign, Consultation, Plan, Platform
from shared.errors import Unauthenticated

router = api_router()

EVERYONE = (*OFFICE_READERS, Role.member, Role.expert, Role.department)
Reader = Annotated[Actor, Depends(require(*EVERYONE, scope="read"))]
OfficeReader = Annotated[Actor, Depends(require(*OFFICE_READERS, scope="read"))]
Manager = Annotated[Actor, Depends(require(Role.admin, Role.staff))]
Staff = Annotated[Actor, Depends(require(Role.staff))]
Attender = Annotated[Actor, Depends(require(Role.staff, Role.member, Role.expert))]
Person = Annotated[Actor, Depends(require(*USER_ROLES))]


# --- platforms, plans and campaigns ----------------------------------------------------------


class PlatformFilters(Filters):
    level: Literal["district", "town", "village"] | None = None


crud_routes(
    router,
    "/platforms",
    Platform,
    create_schema=s.PlatformCreate,
    update_schema=s.PlatformUpdate,
    out_schema=s.PlatformOut,
    reader=require(*EVERYONE, scope="read"),
    writer=require(Role.admin, Role.staff),
    tag="platforms",
    filters=PlatformFilters,
    deletable=False,
)
crud_routes(
    router,
    "/campaigns",
    Campaign,
    create_schema=s.CampaignCreate,
    update_schema=s.CampaignUpdate,
    out_schema=s.CampaignOut,
    reader=require(*EVERYONE, scope="read"),
    writer=require(Role.admin, Role.staff),
    tag="campaigns",
    update=commands.update_campaign,
    deletable=False,
)


@router.get("/plans", response_model=PageOut[s.PlanOut], tags=["plans"])
async def list_plans(
    session: Session,
    actor: OfficeReader,
    year: Annotated[int, Query(ge=1949, le=2100)] | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await tenancy.page_rows(
        session, Plan, actor, limit=limit, cursor=cursor, filters={"year": year}
    )
    return respond_page(page, s.PlanOut)


@router.post(
    "/plans", status_code=201, response_model=s.PlanOut, tags=["plans"], dependencies=[Idempotent]
)
async def create_plan(
    request: Request, session: Session, actor: Manager, body: s.PlanCreate
) -> JSONResponse:
    plan = await commands.create_plan(session, actor, body)
    return await created(request, session, s.PlanOut.model_validate(plan))


@router.get("/plans/{plan_id}", response_model=s.PlanOut, tags=["plans"])
async def get_plan(session: Session, actor: OfficeReader, plan_id: uuid.UUID) -> JSONResponse:
    return respond(s.PlanOut.model_validate(await tenancy.row(session, Plan, actor, plan_id)))


@router.patch("/plans/{plan_id}", response_model=s.PlanOut, tags=["plans"])
async def update_plan(
    request: Request, session: Session, actor: Manager, plan_id: uuid.UUID, body: s.PlanUpdate
) -> JSONResponse:
    plan = await tenancy.get_scoped(session, Plan, actor, plan_id)
    check_if_match(request, plan.version)
    plan = await commands.update_plan(session, actor, plan, body)
    return respond(s.PlanOut.model_validate(plan))


# --- the calendar ----------------------------------------------------------------------------


async def _calendar_reader(
    request: Request,
    session: Session,
    token: Annotated[
        str | None, Query(max_length=100, description="Personal calendar token")
    ] = None,
) -> Actor:
    """The bearer header, or the personal token phone calendar apps put in the URL."""
    if token is None:
        return await authenticate(request)
    user = await queries.calendar_user(session, token)
    if user is None:
        raise Unauthenticated("The calendar token is not valid; issue a new one.")
    return Actor(
        id=user.id,
        organisation_id=user.organisation_id,
        role=Role(user.role),
        label=user.display_name,
        department_id=user.department_id,
        member_id=user.member_id,
        expert_id=user.expert_id,
    )


@router.get(
    "/consultations.ics",
    tags=["consultations"],
    summary="Scheduled and held sessions as an iCalendar feed",
    response_class=Response,
    responses=media(CALENDAR, "The sessions as iCalendar (RFC 5545)"),
)
async def consultation_calendar(
    session: Session, actor: Annotated[Actor, Depends(_calendar_reader)]
) -> Response:
    zone = await queries.timezone(session, actor)
    sessions = await queries.calendar_sessions(session, actor)
    body = calendar.render(sessions, calendar_name="政协协商活动", timezone=zone)
    return Response(body, media_type=f"{CALENDAR}; charset=utf-8")


@router.post(
    "/me/calendar-token",
    response_model=s.CalendarTokenOut,
    tags=["consultations"],
    summary="Issue (or rotate) your personal calendar token",
)
async def issue_calendar_token(request: Request, session: Session, actor: Person) -> JSONResponse:
    token = await commands.issue_calendar_token(session, actor)
    url = str(request.url_for("consultation_calendar").include_query_params(token=token.token))
    return respond(s.CalendarTokenOut(token=token.token, url=url))


# --- consultations ---------------------------------------------------------------------------


class ConsultationFilters(BaseModel):
    state: s.ConsultationState | None = None
    platform_id: uuid.UUID | None = None
    level: Literal["district", "town", "village"] | None = None
    campaign_id: uuid.UUID | None = None
    year: int | None = Field(default=None, ge=1949, le=2100)
    q: str | None = Field(default=None, min_length=1, max_length=100)


@router.get("/consultations", response_model=PageOut[s.ConsultationOut], tags=["consultations"])
async def list_consultations(
    session: Session,
    actor: Reader,
    where: Annotated[ConsultationFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    filters = queries.ConsultationFilters(**where.model_dump())
    page = await queries.consultation_page(session, actor, filters, limit=limit, cursor=cursor)
    return respond_page(page, s.ConsultationOut)


@router.post(
    "/consultations",
    status_code=201,
    response_model=s.ConsultationOut,
    tags=["consultations"],
    dependencies=[Idempotent],
)
async def create_consultation(
    request: Request, session: Session, actor: Staff, body: s.ConsultationCreate
) -> JSONResponse:
    consultation = await commands.create_consultation(session, actor, body)
    return await created(request, session, s.ConsultationOut.model_validate(consultation))


@router.get(
    "/consultations/{consultation_id}", response_model=s.ConsultationOut, tags=["consultations"]
)
async def get_consultation(
    session: Session, actor: Reader, consultation_id: uuid.UUID
) -> JSONResponse:
    consultation = await queries.get_consultation(session, actor, consultation_id)
    return respond(s.ConsultationOut.model_validate(consultation))


@router.patch(
    "/consultations/{consultation_id}", response_model=s.ConsultationOut, tags=["consultations"]
)
async def update_consultation(
    request: Request,
    session: Session,
    actor: Staff,
    consultation_id: uuid.UUID,
    body: s.ConsultationUpdate,
) -> JSONResponse:
    consultation = await queries.get_consultation(session, actor, consultation_id)
    check_if_match(request, consultation.version)
    await commands.update_consultation(session, actor, consultation, body)
    consultation = await queries.get_consultation(session, actor, consultation_id)
    return respond(s.ConsultationOut.model_validate(consultation))


async def _move_consultation(
    session: Any, actor: Actor, consultation: Consultation, body: s.ConsultationMove
) -> Consultation:
    await commands.move_consultation(session, actor, consultation, body)
    return await queries.get_consultation(session, actor, consultation.id)


workflow_routes(
    router,
    "/consultations",
    load=queries.get_consultation,
    move=_move_consultation,
    body_schema=s.ConsultationMove,
    out_schema=s.ConsultationOut,
    reader=require(*EVERYONE, scope="read"),
    mover_role=require(Role.staff),
)


# --- attendance ------------------------------------------------------------------------------


@router.get(
    "/consultations/{consultation_id}/attendances",
    response_model=PageOut[s.AttendanceOut],
    tags=["consultations"],
)
async def list_attendances(
    session: Session,
    actor: OfficeReader,
    consultation_id: uuid.UUID,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> JSONResponse:
    consultation = await queries.get_consultation(session, actor, consultation_id)
    page = await queries.attendance_page(
        session, actor, consultation.id, limit=limit, cursor=cursor
    )
    return respond_page(page, s.AttendanceOut)


@router.post(
    "/consultations/{consultation_id}/attendances",
    status_code=201,
    response_model=s.AttendanceOut,
    tags=["consultations"],
    dependencies=[Idempotent],
    summary="Record attendance (members and experts sign in themselves)",
)
async def record_attendance(
    request: Request,
    session: Session,
    actor: Attender,
    consultation_id: uuid.UUID,
    body: s.AttendanceCreate,
) -> JSONResponse:
    consultation = await queries.get_consultation(session, actor, consultation_id)
    attendance = await commands.record_attendance(session, actor, consultation, body)
    return await created(request, session, s.AttendanceOut.model_validate(attendance))
