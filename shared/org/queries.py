"""Organisation context: its SELECTs, tenant-scoped (the plain rows of reference tables, users
and API keys are read by ``shared.tenancy.row`` / ``page_rows``)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shared.auth import Actor
from shared.errors import NotFound
from shared.org.models import ApiKey, Member, Organisation, User
from shared.tenancy import get_scoped

# Built once, so that the statement using them is built once too (see shared.tenancy).
_MEMBER_OPTIONS = (selectinload(Member.committees),)


async def member(session: AsyncSession, actor: Actor, member_id: uuid.UUID) -> Member:
    """A member with their committees (the output lists ``committee_ids``). Other reference
    tables are read by ``shared.tenancy``'s generic row and page (``crud_routes``)."""
    return await get_scoped(session, Member, actor, member_id, options=_MEMBER_OPTIONS)


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
