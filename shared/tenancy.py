"""Tenant scoping in one place: every query of a business table starts here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, Select, Table, bindparam, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstanceState, InstrumentedAttribute

from shared.auth import Actor
from shared.errors import Invalid, NotFound
from shared.pagination import Page, decode_cursor, page_of, paginate

M = TypeVar("M")


def scoped(model: type[M], actor: Actor) -> Select[tuple[M]]:
    """``SELECT model`` limited to the actor's organisation."""
    column: InstrumentedAttribute[uuid.UUID] = model.organisation_id  # type: ignore[attr-defined]
    return select(model).where(column == actor.organisation_id)


# One statement per (model, loader options), built once: building a SELECT and computing its
# cache key costs more than running it. Bounded, in case a caller makes new options each time.
_BY_ID: dict[tuple[type[Any], tuple[Any, ...]], Select[Any]] = {}
_BY_ID_MAX = 500


def _by_id(model: type[Any], options: tuple[Any, ...]) -> Select[Any]:
    stmt = _BY_ID.get((model, options))
    if stmt is None:
        stmt = (
            select(model)
            .where(
                model.organisation_id == bindparam("organisation_id"),
                model.id == bindparam("object_id"),
            )
            .options(*options)
        )
        if len(_BY_ID) < _BY_ID_MAX:
            _BY_ID[(model, options)] = stmt
    return stmt


async def get_scoped(
    session: AsyncSession,
    model: type[M],
    actor: Actor,
    object_id: uuid.UUID,
    *,
    options: tuple[Any, ...] = (),
    label: str | None = None,
) -> M:
    """One row of the actor's organisation; another organisation's row is simply not found."""
    params = {"organisation_id": actor.organisation_id, "object_id": object_id}
    obj: M | None = await session.scalar(_by_id(model, options), params)
    if obj is None:
        raise NotFound(f"No {label or model.__name__.lower()} with id {object_id}.")
    return obj


async def page_scoped(
    session: AsyncSession,
    model: type[Any],
    actor: Actor,
    *,
    limit: int,
    cursor: str | None,
    filters: dict[str, Any] | None = None,
    options: Sequence[Any] = (),
) -> Page[Any]:
    """A keyset page of the organisation's ORM objects, with equality ``filters`` (None: no
    filter) and loader ``options``."""
    stmt = scoped(model, actor).options(*options)
    for column, value in (filters or {}).items():
        if value is not None:
            stmt = stmt.where(getattr(model, column) == value)
    return await paginate(session, stmt, model.id, limit=limit, cursor=cursor)


# Plain reads of a tenant table's rows (no ORM objects), their statements built once per table
# (and per set of filtered columns) with every value a bound parameter.
_ROW: dict[Table, Select[Any]] = {}
_ROWS: dict[tuple[Table, tuple[str, ...], bool], Select[Any]] = {}


def row_by_id(
    connection: Connection, table: Table, organisation_id: uuid.UUID, object_id: uuid.UUID
) -> Row[Any] | None:
    """One row of the organisation's, as a Core row, or None."""
    stmt = _ROW.get(table)
    if stmt is None:
        stmt = _ROW[table] = select(table).where(
            table.c.organisation_id == bindparam("organisation_id"),
            table.c.id == bindparam("object_id"),
        )
    params = {"organisation_id": organisation_id, "object_id": object_id}
    return connection.execute(stmt, params).first()


def page_of_rows(
    connection: Connection,
    table: Table,
    organisation_id: uuid.UUID,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> Page[Row[Any]]:
    """A keyset page of the organisation's rows, with equality ``filters`` (None: no filter)."""
    columns = tuple(sorted(column for column, value in filters.items() if value is not None))
    params: dict[str, Any] = {f"f_{column}": filters[column] for column in columns}
    params |= {"organisation_id": organisation_id, "limit": limit + 1}
    if cursor:
        params["after"] = decode_cursor(cursor)
    key = (table, columns, bool(cursor))
    stmt = _ROWS.get(key)
    if stmt is None:
        stmt = select(table).where(table.c.organisation_id == bindparam("organisation_id"))
        for column in columns:
            stmt = stmt.where(table.c[column] == bindparam(f"f_{column}"))
        if cursor:
            stmt = stmt.where(table.c.id > bindparam("after"))
        stmt = _ROWS[key] = stmt.order_by(table.c.id).limit(bindparam("limit"))
    return page_of(connection.execute(stmt, params).all(), "id", limit)


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
        raise Invalid(f"{field}: no such {model.__name__.lower()}.", loc=["body", field])


def loaded(obj: object, fields: Iterable[str]) -> bool:
    """Whether every one of ``fields`` that is a mapped attribute of ``obj`` is in memory, so a
    row just written can be answered from the object itself instead of being read back."""
    state: InstanceState[Any] = inspect(obj, raiseerr=True)
    unloaded: set[str] = state.unloaded
    return unloaded.isdisjoint(fields)
