"""The five routes of a plain collection (list, create, read, update, delete) for rows without a
workflow, with one role rule for readers and one for writers.

Reads default to Core rows (``shared.tenancy.row`` / ``page_rows``: every output field is a
column); a collection whose output needs relationships passes its own ``get`` and ``page``
queries (ORM objects, from its context's ``queries.py``). Writes load the ORM object (``load``)
and run the ``shared.crud`` commands, or the context's own ``create`` / ``update``."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import (
    Idempotent,
    Session,
    check_if_match,
    created,
    respond,
    respond_page,
)
from services.api.schemas import Cursor, Limit, PageOut
from shared import crud, tenancy
from shared.auth import Actor
from shared.pagination import Page

RoleRule = Callable[..., Awaitable[Actor]]
Create = Callable[[AsyncSession, Actor, dict[str, Any]], Awaitable[Any]]
Update = Callable[[AsyncSession, Actor, Any, dict[str, Any]], Awaitable[Any]]
# One object (Core row or ORM object) by id, NotFound when the actor may not see it.
Get = Callable[[AsyncSession, Actor, uuid.UUID], Awaitable[Any]]
# A page: ``(session, actor, *, filters, limit, cursor)``.
Lister = Callable[..., Awaitable[Page[Any]]]


class Filters(BaseModel):
    """Equality filters of a list (``limit`` and ``cursor`` travel beside them)."""


def crud_routes(
    router: APIRouter,
    path: str,
    model: type[Any],
    *,
    create_schema: type[BaseModel],
    update_schema: type[BaseModel],
    out_schema: type[BaseModel],
    reader: RoleRule,
    writer: RoleRule,
    tag: str,
    filters: type[Filters] = Filters,
    references: crud.References | None = None,
    create: Create | None = None,
    update: Update | None = None,
    get: Get | None = None,
    page: Lister | None = None,
    load: Get | None = None,
    deletable: bool = True,
) -> None:
    """Add ``GET/POST path`` and ``GET/PATCH path/{id}`` (and ``DELETE path/{id}`` when
    ``deletable``). ``get``/``page`` default to Core rows of the organisation (equality
    filters); ``load`` (the ORM object a write changes) to ``shared.tenancy.get_scoped``;
    ``create``/``update`` to ``shared.crud`` with ``references`` checked."""
    refs = references or {}

    async def get_row(session: AsyncSession, actor: Actor, object_id: uuid.UUID) -> Any:
        return await tenancy.row(session, model, actor, object_id)

    async def page_of_rows(session: AsyncSession, actor: Actor, **where: Any) -> Page[Any]:
        return await tenancy.page_rows(session, model, actor, **where)

    async def load_object(session: AsyncSession, actor: Actor, object_id: uuid.UUID) -> Any:
        return await tenancy.get_scoped(session, model, actor, object_id)

    async def create_row(session: AsyncSession, actor: Actor, values: dict[str, Any]) -> Any:
        return await crud.create_row(session, actor, model, values, refs)

    async def update_row(
        session: AsyncSession, actor: Actor, obj: Any, values: dict[str, Any]
    ) -> Any:
        return await crud.update_row(session, actor, obj, values, refs)

    do_get, do_page, do_load = get or get_row, page or page_of_rows, load or load_object
    do_create, do_update = create or create_row, update or update_row

    @router.get(path, response_model=PageOut[out_schema], tags=[tag])  # type: ignore[valid-type]
    async def list_objects(
        session: Session,
        actor: Annotated[Actor, Depends(reader)],
        where: Annotated[filters, Query()],  # type: ignore[valid-type]
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> JSONResponse:
        filtered = where.model_dump()  # type: ignore[attr-defined]
        found = await do_page(session, actor, filters=filtered, limit=limit, cursor=cursor)
        return respond_page(found, out_schema)

    @router.post(
        path, status_code=201, response_model=out_schema, tags=[tag], dependencies=[Idempotent]
    )
    async def create_object(
        request: Request,
        session: Session,
        actor: Annotated[Actor, Depends(writer)],
        body: create_schema,  # type: ignore[valid-type]
    ) -> JSONResponse:
        obj = await do_create(session, actor, body.model_dump())  # type: ignore[attr-defined]
        if not tenancy.loaded(obj, out_schema.model_fields):
            obj = await do_load(session, actor, obj.id)
        return await created(request, session, out_schema.model_validate(obj))

    @router.get(f"{path}/{{object_id}}", response_model=out_schema, tags=[tag])
    async def get_object(
        session: Session, actor: Annotated[Actor, Depends(reader)], object_id: uuid.UUID
    ) -> JSONResponse:
        return respond(out_schema.model_validate(await do_get(session, actor, object_id)))

    @router.patch(f"{path}/{{object_id}}", response_model=out_schema, tags=[tag])
    async def update_object(
        request: Request,
        session: Session,
        actor: Annotated[Actor, Depends(writer)],
        object_id: uuid.UUID,
        body: update_schema,  # type: ignore[valid-type]
    ) -> JSONResponse:
        obj = await do_load(session, actor, object_id)
        check_if_match(request, obj.version)
        values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return respond(out_schema.model_validate(await do_update(session, actor, obj, values)))

    if not deletable:
        return

    @router.delete(f"{path}/{{object_id}}", status_code=204, tags=[tag])
    async def delete_object(
        request: Request,
        session: Session,
        actor: Annotated[Actor, Depends(writer)],
        object_id: uuid.UUID,
    ) -> Response:
        obj = await do_load(session, actor, object_id)
        check_if_match(request, obj.version)
        await crud.delete_row(session, actor, obj)
        return Response(status_code=204)
