"""Tenant scoping in one place: every query of a business table starts here."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.auth import Actor
from shared.errors import Invalid, NotFound

M = TypeVar("M")


def scoped(model: type[M], actor: Actor) -> Select[tuple[M]]:
    """``SELECT model`` limited to the actor's organisation."""
    column: InstrumentedAttribute[uuid.UUID] = model.organisation_id  # type: ignore[attr-defined]
    return select(model).where(column == actor.organisation_id)


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
    stmt = scoped(model, actor).where(model.id == object_id).options(*options)  # type: ignore[attr-defined]
    obj = await session.scalar(stmt)
    if obj is None:
        raise NotFound(f"No {label or model.__name__.lower()} with id {object_id}.")
    return obj


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
