"""The generic writes of a tenant row without a workflow (reference data, party records,
platforms, campaigns, plans): create, update and delete, each with its audit entry in the same
flush. Contexts pass the references a row may carry, each checked to name a row of the actor's
own organisation, and wrap these for what columns alone do not say (a member's committees, a
region's parent). Their reads are ``shared.tenancy``'s; their routes ``services.api.crud``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock
from shared.auth import Actor
from shared.db import Keyed, entity_name, uuid7
from shared.tenancy import ensure_reference

M = TypeVar("M", bound=Keyed)

References = Mapping[str, type[Any]]
Links = Mapping[str, Sequence[Any]]


async def check_references(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], references: References
) -> None:
    for field, model in references.items():
        await ensure_reference(session, model, actor, values.get(field), field)


async def create_row(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    values: Mapping[str, Any],
    references: References = {},  # noqa: B006  (read only)
    *,
    links: Links = {},  # noqa: B006  (read only)
    audited: Mapping[str, Any] | None = None,
) -> M:
    """A new row of the actor's organisation with ``values`` for its columns and ``links`` for
    its many-to-many relationships; the audit entry keeps ``audited`` (default: ``values``)."""
    await check_references(session, actor, values, references)
    obj: Any = model()
    obj.id = uuid7()
    obj.organisation_id = actor.organisation_id
    for field, value in (*values.items(), *links.items()):
        setattr(obj, field, value)
    session.add(obj)
    _audit(session, actor, obj, "created", values if audited is None else audited)
    await session.flush()  # the row and its audit entry together; a duplicate fails here
    created: M = obj
    return created


async def update_row(
    session: AsyncSession,
    actor: Actor,
    obj: M,
    values: Mapping[str, Any],
    references: References = {},  # noqa: B006  (read only)
    *,
    links: Links = {},  # noqa: B006  (read only)
    audited: Mapping[str, Any] | None = None,
) -> M:
    """Change a row's columns (``values``) and relationships (``links``), audited."""
    await check_references(session, actor, values, references)
    for field, value in (*values.items(), *links.items()):
        setattr(obj, field, value)
    # Touch the row even when only a relationship changed, so its version moves on.
    obj.updated_at = clock.now()  # type: ignore[attr-defined]
    _audit(session, actor, obj, "updated", values if audited is None else audited)
    await session.flush()
    return obj


async def delete_row(session: AsyncSession, actor: Actor, obj: Keyed) -> None:
    """Delete a row; one still referenced elsewhere is a 409 (the database says so)."""
    await session.delete(obj)
    _audit(session, actor, obj, "deleted", None)
    await session.flush()


def _audit(
    session: AsyncSession, actor: Actor, obj: Keyed, action: str, changes: Mapping[str, Any] | None
) -> None:
    audit.record(
        session,
        actor,
        entity_type=entity_name(type(obj)),
        entity_id=obj.id,
        action=action,
        changes=None if changes is None else dict(changes),
    )
