"""Organisation context: every SELECT, tenant-scoped and keyset-paginated."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shared.auth import Actor
from shared.db import Base
from shared.errors import NotFound
from shared.org.models import ApiKey, Member, Organisation, User
from shared.pagination import Page
from shared.tenancy import get_scoped, page_scoped

M = TypeVar("M", bound=Base)


# Built once, so that statements using them are built once too (see shared.tenancy).
_MEMBER_OPTIONS = (selectinload(Member.committees),)


def options_for(model: type[Base]) -> tuple[Any, ...]:
    """The relationships a reference table's output needs loaded (members: committees)."""
    return _MEMBER_OPTIONS if model is Member else ()


async def get(session: AsyncSession, actor: Actor, model: type[M], object_id: uuid.UUID) -> M:
    return await get_scoped(
        session,
        model,
        actor,
        object_id,
        options=options_for(model),
        label=str(model.__tablename__).removesuffix("s").replace("_", " "),
    )


async def page(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    *,
    limit: int,
    cursor: str | None,
    filters: dict[str, Any] | None = None,
) -> Page[M]:
    """A page of a reference table; ``filters`` are equality filters on indexed columns."""
    return await page_scoped(
        session,
        model,
        actor,
        limit=limit,
        cursor=cursor,
        filters=filters,
        options=options_for(model),
    )


async def organisation(session: AsyncSession, actor: Actor) -> Organisation:
    found = await session.get(Organisation, actor.organisation_id)
    if found is None:  # the organisation was deleted under a live token
        raise NotFound("The organisation no longer exists.")
    return found


async def active_api_key(session: AsyncSession, key_hash: str) -> ApiKey | None:
    api_key: ApiKey | None = await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )
    return api_key


async def active_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    user = await session.get(User, user_id)
    return user if user is not None and user.active else None
