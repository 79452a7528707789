"""Plain create / update / delete of tenant rows that have no workflow (reference data, party
building records), with their audit entries. Contexts pass the references a row may carry, each
checked to name a row of the actor's own organisation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock
from shared.auth import Actor
from shared.db import Keyed, uuid7
from shared.tenancy import ensure_reference

M = TypeVar("M", bound=Keyed)

References = Mapping[str, type[Any]]


def entity_name(model: type[Any]) -> str:
    table: str = model.__tablename__
    return table.removesuffix("s")


async def check_references(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], references: References
) -> None:
    for field, model in references.items():
        await ensure_reference(session, model, actor, values.get(field), field)


async def create_row(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    values: dict[str, Any],
    references: References = {},  # noqa: B006  (read only)
) -> M:
    await check_references(session, actor, values, references)
    obj: Any = model()
    obj.id = uuid7()
    obj.organisation_id = actor.organisation_id
    for field, value in values.items():
        setattr(obj, field, value)
    session.add(obj)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type=entity_name(model),
        entity_id=obj.id,
        action="created",
        changes=values,
    )
    created: M = obj
    return created


async def update_row(
    session: AsyncSession,
    actor: Actor,
    obj: M,
    values: dict[str, Any],
    references: References = {},  # noqa: B006  (read only)
) -> M:
    await check_references(session, actor, values, references)
    for field, value in values.items():
        setattr(obj, field, value)
    # Touch the row even when only a relationship changed, so its version moves on.
    obj.updated_at = clock.now()  # type: ignore[attr-defined]
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type=entity_name(type(obj)),
        entity_id=obj.id,
        action="updated",
        changes=values,
    )
    return obj


async def delete_row(session: AsyncSession, actor: Actor, obj: Keyed) -> None:
    """Delete a row; one still referenced elsewhere is a 409 (the database says so)."""
    await session.delete(obj)
    await session.flush()
    audit.record(
        session, actor, entity_type=entity_name(type(obj)), entity_id=obj.id, action="deleted"
    )
