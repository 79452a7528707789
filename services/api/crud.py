"""The five routes of a plain collection (list, create, read, update, delete) for rows without a
workflow, with one role rule for readers and one for writers; and ``Reads``, how a collection's
GETs read (shared with the organisation's reference data)."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import Idempotent, Session, check_if_match, created, respond, respond_page
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import unit_of_work
from shared import crud
from shared.auth import Actor
from shared.errors import NotFound
from shared.pagination import Page
from shared.tenancy import get_scoped, loaded, page_of_rows, page_scoped, row_by_id

RoleRule = Callable[..., Awaitable[Actor]]
Create = Callable[[AsyncSession, Actor, dict[str, Any]], Awaitable[Any]]
Update = Callable[[AsyncSession, Actor, Any, dict[str, Any]], Awaitable[Any]]


class Filters(BaseModel):
    """Equality filters of a list (``limit`` and ``cursor`` travel beside them)."""


Lister = Callable[..., Awaitable[Page[Any]]]


class Reads:
    """How a collection's GETs read. When every output field is a column of the model's table
    and no relationship is loaded, as plain Core rows in one greenlet (``UnitOfWork.read``):
    the ORM session would cost several times the query. Otherwise through the ORM, with
    ``options`` and, for lists, ``lister`` (a page of the collection's ORM objects)."""

    def __init__(
        self,
        model: type[Any],
        out_schema: type[BaseModel],
        *,
        options: Sequence[Any] = (),
        lister: Lister | None = None,
    ) -> None:
        self.model, self.out_schema, self.options, self.lister = model, out_schema, options, lister
        self.table = model.__table__
        self.plain = not options and set(out_schema.model_fields) <= set(self.table.c.keys())
        self.label = crud.entity_name(model).replace("_", " ")

    async def load(self, session: AsyncSession, actor: Actor, object_id: uuid.UUID) -> Any:
        """The ORM object, for writes and for reads that are not plain."""
        return await get_scoped(
            session, self.model, actor, object_id, options=tuple(self.options), label=self.label
        )

    async def one(self, request: Request, actor: Actor, object_id: uuid.UUID) -> JSONResponse:
        work = unit_of_work(request)
        if self.plain:
            found = await work.read(row_by_id, self.table, actor.organisation_id, object_id)
            if found is None:
                raise NotFound(f"No {self.label} with id {object_id}.")
        else:
            found = await self.load(await work.session(), actor, object_id)
        return respond(self.out_schema.model_validate(found))

    async def page(
        self,
        request: Request,
        actor: Actor,
        filters: dict[str, Any],
        limit: int,
        cursor: str | None,
    ) -> JSONResponse:
        work = unit_of_work(request)
        if self.plain and self.lister is None:
            page = await work.read(
                page_of_rows,
                self.table,
                actor.organisation_id,
                filters=filters,
                limit=limit,
                cursor=cursor,
            )
        elif self.lister is not None:
            session = await work.session()
            page = await self.lister(
                session, actor, self.model, limit=limit, cursor=cursor, filters=filters
            )
        else:
            page = await page_scoped(
                await work.session(),
                self.model,
                actor,
                limit=limit,
                cursor=cursor,
                filters=filters,
                options=self.options,
            )
        items = [self.out_schema.model_validate(found) for found in page.items]
        return respond_page(items, page.next_cursor)


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
    options: Sequence[Any] = (),
    create: Create | None = None,
    update: Update | None = None,
    lister: Lister | None = None,
) -> None:
    """Add ``GET/POST path`` and ``GET/PATCH/DELETE path/{id}``. ``create``/``update`` default to
    the plain ``shared.crud`` commands with ``references`` checked against the organisation;
    ``lister`` pages the list when a filter needs more than equality on a column."""
    refs = references or {}
    reads = Reads(model, out_schema, options=options, lister=lister)

    async def _create(session: AsyncSession, actor: Actor, values: dict[str, Any]) -> Any:
        return await crud.create_row(session, actor, model, values, refs)

    async def _update(session: AsyncSession, actor: Actor, obj: Any, values: dict[str, Any]) -> Any:
        return await crud.update_row(session, actor, obj, values, refs)

    do_create, do_update = create or _create, update or _update

    load = reads.load

    @router.get(path, response_model=PageOut[out_schema], tags=[tag])  # type: ignore[valid-type]
    async def list_objects(
        request: Request,
        actor: Annotated[Actor, Depends(reader)],
        where: Annotated[filters, Query()],  # type: ignore[valid-type]
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> JSONResponse:
        filtered = where.model_dump()  # type: ignore[attr-defined]
        return await reads.page(request, actor, filtered, limit, cursor)

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
        if options or not loaded(obj, out_schema.model_fields):
            obj = await load(session, actor, obj.id)
        return await created(request, session, out_schema.model_validate(obj))

    @router.get(f"{path}/{{object_id}}", response_model=out_schema, tags=[tag])
    async def get_object(
        request: Request, actor: Annotated[Actor, Depends(reader)], object_id: uuid.UUID
    ) -> JSONResponse:
        return await reads.one(request, actor, object_id)

    @router.patch(f"{path}/{{object_id}}", response_model=out_schema, tags=[tag])
    async def update_object(
        request: Request,
        session: Session,
        actor: Annotated[Actor, Depends(writer)],
        object_id: uuid.UUID,
        body: update_schema,  # type: ignore[valid-type]
    ) -> JSONResponse:
        obj = await load(session, actor, object_id)
        check_if_match(request, obj.version)
        values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return respond(out_schema.model_validate(await do_update(session, actor, obj, values)))

    @router.delete(f"{path}/{{object_id}}", status_code=204, tags=[tag])
    async def delete_object(
        request: Request,
        session: Session,
        actor: Annotated[Actor, Depends(writer)],
        object_id: uuid.UUID,
    ) -> Response:
        obj = await load(session, actor, object_id)
        check_if_match(request, obj.version)
        await crud.delete_row(session, actor, obj)
        return Response(status_code=204)
