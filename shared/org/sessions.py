"""Login sessions: refresh tokens (single use, chained in families) and their revocation.

A login starts a family; each refresh marks its token used and issues the next one in the same
family. A used token presented again has leaked (or been raced by a copy), so the whole family
is revoked and its holder must log in again. Access tokens stay stateless JWTs carrying their
user's ``auth_epoch``; revoking a user's sessions bumps the epoch, which the API's ``Guard``
compares (through ``session_epoch``) with a per-process cache of at most 60 s.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock
from shared.auth import hash_secret, new_refresh_token
from shared.db import uuid7
from shared.errors import Unauthenticated
from shared.org import queries
from shared.org.models import RefreshToken, User


async def _issue(
    session: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID, ttl: timedelta
) -> str:
    token, token_hash = new_refresh_token()
    now = clock.now()
    session.add(
        RefreshToken(
            id=uuid7(),
            user_id=user_id,
            family_id=family_id,
            token_hash=token_hash,
            issued_at=now,
            expires_at=now + ttl,
        )
    )
    await session.flush()
    return token


async def start(session: AsyncSession, user: User, ttl: timedelta) -> str:
    """The first refresh token of a new login. The user's expired tokens go (each refresh
    leaves a used row behind, kept while it could still be replayed, for reuse detection)."""
    await session.execute(
        delete(RefreshToken).where(
            RefreshToken.user_id == user.id, RefreshToken.expires_at <= clock.now()
        )
    )
    return await _issue(session, user.id, uuid7(), ttl)


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


async def rotate(session: AsyncSession, token: str, ttl: timedelta) -> tuple[User, str]:
    """Use ``token`` up: its active user and the next token of its family. Raises
    Unauthenticated; on reuse the family is revoked first, so the caller must commit even then
    (the row lock makes two concurrent uses of one token count as a reuse, not two refreshes)."""
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_secret(token)).with_for_update()
    )
    now = clock.now()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("The refresh token is not valid or was revoked; log in again.")
    if row.used_at is not None:
        await _revoke_family(session, row.family_id)
        raise Unauthenticated("The refresh token was already used; this login is revoked.")
    if row.expires_at <= now:
        raise Unauthenticated("The refresh token has expired; log in again.")
    user = await queries.active_user(session, row.user_id)
    if user is None:
        raise Unauthenticated("The account is no longer active.")
    row.used_at = now
    return user, await _issue(session, user.id, row.family_id, ttl)


async def end(session: AsyncSession, token: str) -> None:
    """Log out: revoke the login ``token`` belongs to (nothing happens for an unknown token,
    so that logging out twice, or with a stale token, is not an error)."""
    family_id = await session.scalar(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == hash_secret(token))
    )
    if family_id is not None:
        await _revoke_family(session, family_id)


async def revoke_all(session: AsyncSession, user: User) -> None:
    """End every session of ``user``: refresh tokens at once, access tokens when the API's
    cache of the epoch expires (within 60 s)."""
    user.auth_epoch += 1
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


_EPOCH = select(User.auth_epoch, User.active).where(User.id == bindparam("user_id"))


async def session_epoch(session: AsyncSession, user_id: uuid.UUID) -> int | None:
    """The user's current session epoch, or None when the user is gone or inactive."""
    row = (await session.execute(_EPOCH, {"user_id": user_id})).first()
    return row.auth_epoch if row is not None and row.active else None
