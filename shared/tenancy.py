"""Tenant scoping in one place: every query of a business table starts here, and the generic
reads of a tenant table (a row by id, a page with equality filters) are these.

Two shapes, chosen by the function called, never guessed: ``row`` / ``page_rows`` answer Core
rows (every output field a column: several times cheaper than ORM objects), ``get_scoped`` /
``page_scoped`` answer ORM objects (to change them, or to load their relationships).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, Select, Table, bindparam, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState, InstrumentedAttribute

from shared.auth import Actor
from shared.db import entity_name
from shared.errors import Invalid, NotFound
from shared.pagination import Page, decode_cursor, page_of, paginate

M = TypeVar("M")
S = TypeVar("S", bound=Select[Any])


def scoped(model: type[M], actor: Actor) -> Select[tuple[M]]:
    """``SELECT model`` (ORM objects) limited to the actor's organisation."""
    column: InstrumentedAttribute[uuid.UUID] = model.organisation_id  # type: ignore[attr-defined]
    return select(model).where(column == actor.organisation_id)


def scoped_rows(model: type[Any], actor: Actor) -> Select[Any]:
    """``SELECT`` every column of the model's table (Core rows), limited to the actor's
    organisation."""
    table: Table = model.__table__
    return select(table).where(table.c.organisation_id == actor.organisation_id)


def filtered(stmt: S, columns: Any, filters: Mapping[str, Any]) -> S:
    """``stmt`` with an equality filter per item of ``filters`` whose value is not None (None:
    no filter); ``columns`` holds them by name (a model, or a table's ``.c``)."""
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(columns, column) == value)
    return stmt


def not_found(model: type[Any], object_id: uuid.UUID) -> NotFound:
    return NotFound(f"No {entity_name(model).replace('_', ' ')} with id {object_id}.")


# The by-id statements, built once (per model and loader options; per table): building a
# SELECT and computing its cache key costs more than running it. Bounded, in case a caller
# makes new options each time.
_OBJECT_BY_ID: dict[tuple[type[Any], tuple[Any, ...]], Select[Any]] = {}
_ROW_BY_ID: dict[Table, Select[Any]] = {}
_BY_ID_MAX = 500


def _object_by_id(model: type[Any], options: tuple[Any, ...]) -> Select[Any]:
    stmt = _OBJECT_BY_ID.get((model, options))
    if stmt is None:
        stmt = (
            select(model)
            .where(
                model.organisation_id == bindparam("organisation_id"),
                model.id == bindparam("object_id"),
            )
            .options(*options)
        )
        if len(_OBJECT_BY_ID) < _BY_ID_MAX:
            _OBJECT_BY_ID[(model, options)] = stmt
    return stmt


def _row_by_id(table: Table) -> Select[Any]:
    stmt = _ROW_BY_ID.get(table)
    if stmt is None:
        stmt = _ROW_BY_ID[table] = select(table).where(
            table.c.organisation_id == bindparam("organisation_id"),
            table.c.id == bindparam("object_id"),
        )
    return stmt


async def get_scoped(
    session: AsyncSession,
    model: type[M],
    actor: Actor,
    object_id: uuid.UUID,
    *,
    options: tuple[Any, ...] = (),
) -> M:
    """One ORM object of the actor's organisation (with loader ``options``); another
    organisation's row is simply not found."""
    params = {"organisation_id": actor.organisation_id, "object_id": object_id}
    obj: M | None = await session.scalar(_object_by_id(model, options), params)
    if obj is None:
        raise not_found(model, object_id)
    return obj


async def one(
    session: AsyncSession, stmt: Select[tuple[M]], model: type[M], object_id: uuid.UUID
) -> M:
    """The ORM object with this id among those ``stmt`` lets the actor see (a context's row
    rule: a department's own cases, a member's own suggestions); NotFound otherwise."""
    key: InstrumentedAttribute[uuid.UUID] = model.id  # type: ignore[attr-defined]
    found = await session.scalar(stmt.where(key == object_id))
    if found is None:
        raise not_found(model, object_id)
    return found


async def row(
    session: AsyncSession, model: type[Any], actor: Actor, object_id: uuid.UUID
) -> Row[Any]:
    """One row of the actor's organisation as a Core row (every column of the table)."""
    params = {"organisation_id": actor.organisation_id, "object_id": object_id}
    found = (await session.execute(_row_by_id(model.__table__), params)).first()
    if found is None:
        raise not_found(model, object_id)
    return found


async def page_scoped(
    session: AsyncSession,
    model: type[Any],
    actor: Actor,
    *,
    limit: int,
    cursor: str | None,
    filters: Mapping[str, Any] | None = None,
    options: Sequence[Any] = (),
) -> Page[Any]:
    """A keyset page of the organisation's ORM objects, with equality ``filters`` and loader
    ``options``."""
    stmt = filtered(scoped(model, actor).options(*options), model, filters or {})
    return await paginate(session, stmt, model.id, limit=limit, cursor=cursor)


# The page statements, per table, set of filtered columns and cursor or not, every value a
# bound parameter (built once, as the by-id ones).
_PAGE_OF_ROWS: dict[tuple[Table, tuple[str, ...], bool], Select[Any]] = {}


async def page_rows(
    session: AsyncSession,
    model: type[Any],
    actor: Actor,
    *,
    limit: int,
    cursor: str | None,
    filters: Mapping[str, Any] | None = None,
) -> Page[Row[Any]]:
    """A keyset page of the organisation's rows as Core rows, with equality ``filters``."""
    table: Table = model.__table__
    wanted = {column: value for column, value in (filters or {}).items() if value is not None}
    params = {f"f_{column}": value for column, value in wanted.items()}
    params |= {"organisation_id": actor.organisation_id, "limit": limit + 1}
    if cursor:
        params["after"] = decode_cursor(cursor)
    key = (table, tuple(sorted(wanted)), bool(cursor))
    stmt = _PAGE_OF_ROWS.get(key)
    if stmt is None:
        stmt = select(table).where(table.c.organisation_id == bindparam("organisation_id"))
        stmt = filtered(stmt, table.c, {column: bindparam(f"f_{column}") for column in key[1]})
        if cursor:
            stmt = stmt.where(table.c.id > bindparam("after"))
        stmt = _PAGE_OF_ROWS[key] = stmt.order_by(table.c.id).limit(bindparam("limit"))
    return page_of((await session.execute(stmt, params)).all(), "id", limit)


async def ensure_reference(
    session: AsyncSession, model: type[Any], actor: Actor, object_id: uuid.UUID | None, field: str
) -> None:
    """A referenced id must name a row of the actor's own organisation (else 422, not 404:
    the request body is what is wrong)."""
    if object_id is None:
        return
    exists = await session.scalar(
        scoped(model, actor).where(model.id == object_id).with_only_columns(model.id)
    )
    if exists is None:
        raise Invalid(
            f"{field}: no such {entity_name(model).replace('_', ' ')}.", loc=["body", field]
        )


def loaded(obj: object, fields: Iterable[str]) -> bool:
    """Whether every one of ``fields`` that is a mapped attribute of ``obj`` is in memory, so a
    row just written can be answered from the object itself instead of being read back."""
    state: InstanceState[Any] = inspect(obj, raiseerr=True)
    unloaded: set[str] = state.unloaded
    return unloaded.isdisjoint(fields)
