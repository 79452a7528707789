"""Studios, stationing, the service circle, ratings, service activities (member cards: ``cards``).

Role rule: office roles (admin, staff, leader) manage studios; a member acts as the convener of
their own studio (memberships, activities, self-assessment); staff and leaders move ratings
(district awards by leaders); auditors read. ``/studios/nearby`` is public (no login).
"""

import uuid
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
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
from services.api.workflow_routes import workflow_routes
from shared.auth import Actor, Role
from shared.errors import NotFound
from shared.pagination import Page
from shared.studio import commands, geo, queries
from shared.studio import schemas as s
from shared.studio.models import Studio, StudioRating

router = api_router()

_READ = (Role.admin, Role.staff, Role.leader, Role.auditor, Role.member)
Reader = Annotated[Actor, Depends(require(*_READ, scope="read"))]
OfficeReader = Annotated[
    Actor, Depends(require(Role.admin, Role.staff, Role.leader, Role.auditor, scope="read"))
]
Office = Annotated[Actor, Depends(require(Role.admin, Role.staff, Role.leader))]
# Members pass this rule only as a studio's convener, which the commands check.
Convener = Annotated[Actor, Depends(require(Role.admin, Role.staff, Role.leader, Role.member))]
RatingActor = Annotated[Actor, Depends(require(Role.staff, Role.leader, Role.member))]

Minutes = Annotated[int, Query(ge=1, le=120, description="Walking minutes (80 m a minute)")]


class StudioFilters(BaseModel):
    kind: s.StudioKind | None = None
    region_id: uuid.UUID | None = None
    convener_member_id: uuid.UUID | None = None
    active: bool | None = None


class ActivityFilters(BaseModel):
    kind: s.ActivityKind | None = None
    studio_id: uuid.UUID | None = None
    sector_id: uuid.UUID | None = None
    held_from: date | None = None
    held_to: date | None = None


async def _studios_out(session: AsyncSession, studios: list[Studio]) -> list[s.StudioOut]:
    ratings = await queries.current_ratings(session, (studio.id for studio in studios))
    return [
        s.StudioOut.model_validate(studio).model_copy(
            update={"current_rating": _rating_summary(ratings.get(studio.id))}
        )
        for studio in studios
    ]


def _rating_summary(rating: StudioRating | None) -> s.CurrentRating | None:
    return None if rating is None else s.CurrentRating.model_validate(rating)


async def _studio_out(session: AsyncSession, studio: Studio) -> s.StudioOut:
    return (await _studios_out(session, [studio]))[0]


# --- the service circle (declared before /studios/{id} so the words are not taken for ids) ----


@router.get("/studios/nearby", response_model=s.NearbyOut, tags=["studios"])
async def nearby_studios(
    session: Session,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    minutes: Minutes = 10,
    limit: Annotated[int, Query(ge=1, le=queries.NEARBY_MAX)] = 20,
    organisation_id: Annotated[
        uuid.UUID | None,
        Query(description="Only this organisation's studios (public id); default: every one's"),
    ] = None,
) -> JSONResponse:
    """Public (no login): active studios within a straight-line walk, nearest first."""
    if organisation_id is not None:
        await queries.timezone_of(session, organisation_id)  # an unknown organisation is a 404
    radius = geo.walk_radius(minutes)
    found = await queries.nearby(session, organisation_id, lat, lon, radius, limit)
    ratings = await queries.current_ratings(session, (studio.id for studio, _ in found))
    items = [
        s.NearbyStudio(
            id=studio.id,
            organisation_id=studio.organisation_id,
            kind=studio.kind,
            name=studio.name,
            address=studio.address,
            theme=studio.theme,
            lat=studio.lat,
            lon=studio.lon,
            distance_m=round(distance, 1),
            walk_minutes=round(distance / geo.WALK_METRES_PER_MINUTE, 1),
            current_rating=_rating_summary(ratings.get(studio.id)),
        )
        for studio, distance in found
    ]
    return respond(s.NearbyOut(minutes=minutes, radius_m=radius, items=items))


@router.get("/studios/coverage", response_model=s.CoverageOut, tags=["studios"])
async def studio_coverage(
    session: Session,
    actor: OfficeReader,
    region_id: uuid.UUID | None = None,
    minutes: Minutes = 10,
) -> JSONResponse:
    """Villages (of a town, or all) whose centre lies in an active studio's circle: the gap map."""
    radius = geo.walk_radius(minutes)
    rows = await queries.coverage(session, actor, region_id, radius)
    villages = [
        s.CoveredVillage(
            id=v.id,
            name=v.name,
            parent_id=v.parent_id,
            lat=v.lat,
            lon=v.lon,
            covered=hit is not None,
            nearest_studio_id=hit[0].key if hit else None,
            distance_m=round(hit[1], 1) if hit else None,
        )
        for v, hit in rows
    ]
    located = sum(1 for v in villages if v.lat is not None and v.lon is not None)
    covered = sum(1 for v in villages if v.covered)
    out = s.CoverageOut(
        region_id=region_id,
        minutes=minutes,
        radius_m=radius,
        villages_total=located,
        villages_covered=covered,
        share=covered / located if located else 0.0,
        unlocated=len(villages) - located,
        villages=villages,
    )
    return respond(out)


# --- studios ---------------------------------------------------------------------------------


@router.get("/studios", response_model=PageOut[s.StudioOut], tags=["studios"])
async def list_studios(
    session: Session,
    actor: Reader,
    where: Annotated[StudioFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.studio_page(session, actor, where.model_dump(), limit=limit, cursor=cursor)
    items = await _studios_out(session, list(page.items))
    return respond_page(Page(items=items, next_cursor=page.next_cursor), s.StudioOut)


@router.post(
    "/studios",
    status_code=201,
    response_model=s.StudioOut,
    tags=["studios"],
    dependencies=[Idempotent],
)
async def create_studio(
    request: Request, session: Session, actor: Office, body: s.StudioCreate
) -> JSONResponse:
    studio = await commands.create_studio(session, actor, body.model_dump())
    return await created(request, session, await _studio_out(session, studio))


@router.get("/studios/{studio_id}", response_model=s.StudioOut, tags=["studios"])
async def get_studio(session: Session, actor: Reader, studio_id: uuid.UUID) -> JSONResponse:
    studio = await queries.get_studio(session, actor, studio_id)
    return respond(await _studio_out(session, studio))


@router.patch("/studios/{studio_id}", response_model=s.StudioOut, tags=["studios"])
async def update_studio(
    request: Request, session: Session, actor: Office, studio_id: uuid.UUID, body: s.StudioUpdate
) -> JSONResponse:
    studio = await queries.get_studio(session, actor, studio_id)
    check_if_match(request, studio.version)
    values = body.model_dump(exclude_unset=True)
    studio = await commands.update_studio(session, actor, studio, values)
    return respond(await _studio_out(session, studio))


# --- memberships -----------------------------------------------------------------------------

MEMBERSHIPS = "/studios/{studio_id}/memberships"


@router.get(MEMBERSHIPS, response_model=PageOut[s.MembershipOut], tags=["studios"])
async def list_memberships(
    session: Session, actor: Reader, studio_id: uuid.UUID, limit: Limit = 20, cursor: Cursor = None
) -> JSONResponse:
    studio = await queries.get_studio(session, actor, studio_id)
    page = await queries.membership_page(session, actor, studio, limit=limit, cursor=cursor)
    return respond_page(page, s.MembershipOut)


@router.post(
    MEMBERSHIPS,
    status_code=201,
    response_model=s.MembershipOut,
    tags=["studios"],
    dependencies=[Idempotent],
)
async def add_membership(
    request: Request,
    session: Session,
    actor: Convener,
    studio_id: uuid.UUID,
    body: s.MembershipCreate,
) -> JSONResponse:
    studio = await queries.get_studio(session, actor, studio_id)
    membership = await commands.add_membership(session, actor, studio, body.model_dump())
    return await created(request, session, s.MembershipOut.model_validate(membership))


@router.get(MEMBERSHIPS + "/{membership_id}", response_model=s.MembershipOut, tags=["studios"])
async def get_membership(
    session: Session, actor: Reader, studio_id: uuid.UUID, membership_id: uuid.UUID
) -> JSONResponse:
    studio = await queries.get_studio(session, actor, studio_id)
    membership = await queries.get_membership(session, actor, studio, membership_id)
    return respond(s.MembershipOut.model_validate(membership))


@router.patch(MEMBERSHIPS + "/{membership_id}", response_model=s.MembershipOut, tags=["studios"])
async def update_membership(
    request: Request,
    session: Session,
    actor: Convener,
    studio_id: uuid.UUID,
    membership_id: uuid.UUID,
    body: s.MembershipUpdate,
) -> JSONResponse:
    studio = await queries.get_studio(session, actor, studio_id)
    membership = await queries.get_membership(session, actor, studio, membership_id)
    check_if_match(request, membership.version)
    values = body.model_dump(exclude_unset=True)
    membership = await commands.update_membership(session, actor, studio, membership, values)
    return respond(s.MembershipOut.model_validate(membership))


@router.delete(MEMBERSHIPS + "/{membership_id}", status_code=204, tags=["studios"])
async def remove_membership(
    request: Request,
    session: Session,
    actor: Convener,
    studio_id: uuid.UUID,
    membership_id: uuid.UUID,
) -> Response:
    studio = await queries.get_studio(session, actor, studio_id)
    membership = await queries.get_membership(session, actor, studio, membership_id)
    check_if_match(request, membership.version)
    await commands.remove_membership(session, actor, studio, membership)
    return Response(status_code=204)


# --- ratings ---------------------------------------------------------------------------------

RATINGS = "/studios/{studio_id}/ratings"


@router.get(RATINGS, response_model=PageOut[s.RatingOut], tags=["studio ratings"])
async def list_ratings(
    session: Session, actor: Reader, studio_id: uuid.UUID, limit: Limit = 20, cursor: Cursor = None
) -> JSONResponse:
    studio = await queries.get_studio(session, actor, studio_id)
    page = await queries.rating_page(session, actor, studio, limit=limit, cursor=cursor)
    return respond_page(page, s.RatingOut)


@router.post(
    RATINGS,
    status_code=201,
    response_model=s.RatingOut,
    tags=["studio ratings"],
    dependencies=[Idempotent],
)
async def create_rating(
    request: Request,
    session: Session,
    actor: RatingActor,
    studio_id: uuid.UUID,
    body: s.RatingCreate,
) -> JSONResponse:
    studio = await queries.get_studio(session, actor, studio_id)
    rating = await commands.create_rating(session, actor, studio, body.model_dump())
    return await created(request, session, s.RatingOut.model_validate(rating))


@router.get(RATINGS + "/{rating_id}", response_model=s.RatingOut, tags=["studio ratings"])
async def get_studio_rating(
    session: Session, actor: Reader, studio_id: uuid.UUID, rating_id: uuid.UUID
) -> JSONResponse:
    rating = await queries.get_rating(session, actor, rating_id)
    if rating.studio_id != studio_id:
        raise NotFound(f"No studio rating with id {rating_id} for this studio.")
    return respond(s.RatingOut.model_validate(rating))


@router.get("/studio-ratings/{rating_id}", response_model=s.RatingOut, tags=["studio ratings"])
async def get_rating(session: Session, actor: Reader, rating_id: uuid.UUID) -> JSONResponse:
    return respond(s.RatingOut.model_validate(await queries.get_rating(session, actor, rating_id)))


async def _move_rating(
    session: AsyncSession, actor: Actor, rating: StudioRating, body: s.RatingAction
) -> StudioRating:
    return await commands.act_on_rating(session, actor, rating, body.model_dump())


workflow_routes(
    router,
    "/studio-ratings",
    load=queries.get_rating,
    move=_move_rating,
    body_schema=s.RatingAction,
    out_schema=s.RatingOut,
    reader=require(*_READ, scope="read"),
    mover_role=require(Role.staff, Role.leader, Role.member),
)


# --- service activities ----------------------------------------------------------------------


@router.get(
    "/service-activities", response_model=PageOut[s.ActivityOut], tags=["service activities"]
)
async def list_activities(
    session: Session,
    actor: Reader,
    where: Annotated[ActivityFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.activity_page(
        session, actor, where.model_dump(), limit=limit, cursor=cursor
    )
    return respond_page(page, s.ActivityOut)


@router.post(
    "/service-activities",
    status_code=201,
    response_model=s.ActivityOut,
    tags=["service activities"],
    dependencies=[Idempotent],
)
async def create_activity(
    request: Request, session: Session, actor: Convener, body: s.ActivityCreate
) -> JSONResponse:
    activity = await commands.create_activity(session, actor, body.model_dump())
    return await created(request, session, s.ActivityOut.model_validate(activity))


@router.get(
    "/service-activities/{activity_id}", response_model=s.ActivityOut, tags=["service activities"]
)
async def get_activity(session: Session, actor: Reader, activity_id: uuid.UUID) -> JSONResponse:
    activity = await queries.get_activity(session, actor, activity_id)
    return respond(s.ActivityOut.model_validate(activity))


@router.patch(
    "/service-activities/{activity_id}", response_model=s.ActivityOut, tags=["service activities"]
)
async def update_activity(
    request: Request,
    session: Session,
    actor: Convener,
    activity_id: uuid.UUID,
    body: s.ActivityUpdate,
) -> JSONResponse:
    activity = await queries.get_activity(session, actor, activity_id)
    check_if_match(request, activity.version)
    values = body.model_dump(exclude_unset=True)
    activity = await commands.update_activity(session, actor, activity, values)
    return respond(s.ActivityOut.model_validate(activity))


@router.delete("/service-activities/{activity_id}", status_code=204, tags=["service activities"])
async def remove_activity(
    request: Request, session: Session, actor: Convener, activity_id: uuid.UUID
) -> Response:
    activity = await queries.get_activity(session, actor, activity_id)
    check_if_match(request, activity.version)
    await commands.remove_activity(session, actor, activity)
    return Response(status_code=204)
