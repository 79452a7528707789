"""Organisation and reference data. Role rule: admin writes; staff, leader, auditor (and
integrators with the ``read`` scope) read. Users and API keys: admin writes, auditor reads."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.crud import Filters, crud_routes
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
from shared import tenancy
from shared.auth import OFFICE_READERS, Actor, Role
from shared.org import commands, queries
from shared.org import schemas as s
from shared.org.models import ApiKey, Committee, Department, Expert, Member, Region, Sector, User
from shared.studio import queries as studio_queries

router = api_router()

OfficeReader = Annotated[Actor, Depends(require(*OFFICE_READERS, scope="read"))]
Admin = Annotated[Actor, Depends(require(Role.admin))]
AdminOrAuditor = Annotated[Actor, Depends(require(Role.admin, Role.auditor))]


class RegionFilters(Filters):
    level: Literal["town", "village"] | None = None
    parent_id: uuid.UUID | None = None


class MemberFilters(Filters):
    sector_id: uuid.UUID | None = None
    active: bool | None = None
    # Stationed today in an active studio (点对点进驻); false lists the members still to station.
    stationed: bool | None = None


class ExpertFilters(Filters):
    field: str | None = None
    active: bool | None = None


class UserFilters(Filters):
    role: s.UserRole | None = None
    active: bool | None = None


def reference_routes(
    path: str,
    model: type[Any],
    create_schema: type[BaseModel],
    update_schema: type[BaseModel],
    out_schema: type[BaseModel],
    filters: type[Filters] = Filters,
    *,
    tag: str,
    **reads: Any,
) -> None:
    """The five routes of a reference-data collection: office roles read, the admin writes."""

    async def create(session: AsyncSession, actor: Actor, values: dict[str, Any]) -> Any:
        return await commands.create(session, actor, model, values)

    crud_routes(
        router,
        path,
        model,
        create_schema=create_schema,
        update_schema=update_schema,
        out_schema=out_schema,
        reader=require(*OFFICE_READERS, scope="read"),
        writer=require(Role.admin),
        tag=tag,
        filters=filters,
        create=create,
        update=commands.update,
        **reads,
    )


reference_routes("/sectors", Sector, s.NamedCreate, s.NamedUpdate, s.NamedOut, tag="sectors")
reference_routes(
    "/committees", Committee, s.NamedCreate, s.NamedUpdate, s.NamedOut, tag="committees"
)
reference_routes(
    "/departments", Department, s.NamedCreate, s.NamedUpdate, s.NamedOut, tag="departments"
)
reference_routes(
    "/regions", Region, s.RegionCreate, s.RegionUpdate, s.RegionOut, RegionFilters, tag="regions"
)
# A member's output lists their committees: ORM objects with that relationship loaded.
reference_routes(
    "/members",
    Member,
    s.MemberCreate,
    s.MemberUpdate,
    s.MemberOut,
    MemberFilters,
    tag="members",
    get=queries.member,
    load=queries.member,
    page=studio_queries.member_page,
)
reference_routes(
    "/experts", Expert, s.ExpertCreate, s.ExpertUpdate, s.ExpertOut, ExpertFilters, tag="experts"
)


# --- users -----------------------------------------------------------------------------------


@router.get("/users", response_model=PageOut[s.UserOut], tags=["users"])
async def list_users(
    session: Session,
    actor: AdminOrAuditor,
    where: Annotated[UserFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await tenancy.page_rows(
        session, User, actor, limit=limit, cursor=cursor, filters=where.model_dump()
    )
    return respond_page(page, s.UserOut)


@router.post(
    "/users", status_code=201, response_model=s.UserOut, tags=["users"], dependencies=[Idempotent]
)
async def create_user(
    request: Request, session: Session, actor: Admin, body: s.UserCreate
) -> JSONResponse:
    user = await commands.create_user(session, actor, body.model_dump())
    return await created(request, session, s.UserOut.model_validate(user))


@router.get("/users/{user_id}", response_model=s.UserOut, tags=["users"])
async def get_user(session: Session, actor: AdminOrAuditor, user_id: uuid.UUID) -> JSONResponse:
    return respond(s.UserOut.model_validate(await tenancy.row(session, User, actor, user_id)))


@router.patch("/users/{user_id}", response_model=s.UserOut, tags=["users"])
async def update_user(
    request: Request, session: Session, actor: Admin, user_id: uuid.UUID, body: s.UserUpdate
) -> JSONResponse:
    user = await tenancy.get_scoped(session, User, actor, user_id)
    check_if_match(request, user.version)
    user = await commands.update_user(session, actor, user, body.model_dump(exclude_unset=True))
    return respond(s.UserOut.model_validate(user))


# --- API keys --------------------------------------------------------------------------------


@router.get("/api-keys", response_model=PageOut[s.ApiKeyOut], tags=["api-keys"])
async def list_api_keys(
    session: Session, actor: AdminOrAuditor, limit: Limit = 20, cursor: Cursor = None
) -> JSONResponse:
    page = await tenancy.page_rows(session, ApiKey, actor, limit=limit, cursor=cursor)
    return respond_page(page, s.ApiKeyOut)


@router.post(
    "/api-keys",
    status_code=201,
    response_model=s.ApiKeyCreated,
    tags=["api-keys"],
    dependencies=[Idempotent],
)
async def create_api_key(
    request: Request, session: Session, actor: Admin, body: s.ApiKeyCreate
) -> JSONResponse:
    api_key, secret = await commands.create_api_key(session, actor, body.name, list(body.scopes))
    out = s.ApiKeyCreated.model_validate(
        {**s.ApiKeyOut.model_validate(api_key).model_dump(), "key": secret}
    )
    return await created(request, session, out)


@router.get("/api-keys/{key_id}", response_model=s.ApiKeyOut, tags=["api-keys"])
async def get_api_key(session: Session, actor: AdminOrAuditor, key_id: uuid.UUID) -> JSONResponse:
    return respond(s.ApiKeyOut.model_validate(await tenancy.row(session, ApiKey, actor, key_id)))


@router.delete(
    "/api-keys/{key_id}", status_code=204, tags=["api-keys"], summary="Revoke an API key"
)
async def revoke_api_key(session: Session, actor: Admin, key_id: uuid.UUID) -> Response:
    api_key = await tenancy.get_scoped(session, ApiKey, actor, key_id)
    await commands.revoke_api_key(session, actor, api_key)
    return Response(status_code=204)


# --- settings --------------------------------------------------------------------------------


@router.get("/organisation/settings", response_model=s.SettingsOut, tags=["organisation"])
async def get_settings(session: Session, actor: OfficeReader) -> JSONResponse:
    return respond(s.SettingsOut.model_validate(await queries.organisation(session, actor)))


@router.patch("/organisation/settings", response_model=s.SettingsOut, tags=["organisation"])
async def update_settings(
    request: Request, session: Session, actor: Admin, body: s.SettingsUpdate
) -> JSONResponse:
    organisation = await queries.organisation(session, actor)
    check_if_match(request, organisation.version)
    organisation = await commands.update_settings(
        session, actor, organisation, body.model_dump(exclude_unset=True)
    )
    return respond(s.SettingsOut.model_validate(organisation))
