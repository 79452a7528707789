"""The five routes of a plain collection (list, create, read, update, delete) for rows without a
workflow, with one role rule for readers and one for writers."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import Idempotent, Session, check_if_match, created, respond, respond_page
from services.api.schemas import Cursor, Limit, PageOut
from shared import crud
from shared.auth import Actor
from shared.pagination import paginate
from shared.tenancy import get_scoped, loaded, scoped

Guard = Callable[..., Awaitable[Actor]]
Create = Callable[[AsyncSession, Actor, dict[str, Any]], Awaitable[Any]]
Update = Callable[[AsyncSession, Actor, Any, dict[str, Any]], Awaitable[Any]]


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
    reader: Guard,
    writer: Guard,
    tag: str,
    filters: type[Filters] = Filters,
    references: crud.References | None = None,
    options: Sequence[Any] = (),
    create: Create | None = None,
    update: Update | None = None,
) -> None:
    """Add ``GET/POST path`` and ``GET/PATCH/DELETE path/{id}``. ``create``/``update`` default to
    the plain ``shared.crud`` commands with ``references`` checked against the organisation."""
    refs = references or {}
    label = crud.entity_name(model).replace("_", " ")

    async def _create(session: AsyncSession, actor: Actor, values: dict[str, Any]) -> Any:
        return await crud.create_row(session, actor, model, values, refs)

    async def _update(session: AsyncSession, actor: Actor, obj: Any, values: dict[str, Any]) -> Any:
        return await crud.update_row(session, actor, obj, values, refs)

    do_create, do_update = create or _create, update or _update

    async def load(session: AsyncSession, actor: Actor, object_id: uuid.UUID) -> Any:
        return await get_scoped(
            session, model, actor, object_id, options=tuple(options), label=label
        )

    @router.get(path, response_model=PageOut[out_schema], tags=[tag])  # type: ignore[valid-type]
    async def list_objects(
        session: Session,
        actor: Annotated[Actor, Depends(reader)],
        where: Annotated[filters, Query()],  # type: ignore[valid-type]
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> JSONResponse:
        stmt = scoped(model, actor).options(*options)
        for column, value in where.model_dump().items():  # type: ignore[attr-defined]
            if value is not None:
                stmt = stmt.where(getattr(model, column) == value)
        page = await paginate(session, stmt, model.id, limit=limit, cursor=cursor)
        return respond_page([out_schema.model_validate(o) for o in page.items], page.next_cursor)

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
        session: Session, actor: Annotated[Actor, Depends(reader)], object_id: uuid.UUID
    ) -> JSONResponse:
        return respond(out_schema.model_validate(await load(session, actor, object_id)))

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
