"""Organisation context: the changes. Plain async functions; the boundary commits."""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import delete, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock, crud
from shared.auth import (
    DUMMY_PASSWORD_HASH,
    Actor,
    Role,
    hash_password,
    new_api_key,
    verify_password,
)
from shared.db import Base, Keyed, uuid7
from shared.errors import Conflict, Invalid, RateLimited
from shared.org import sessions
from shared.org.models import (
    ApiKey,
    Committee,
    Department,
    Expert,
    LoginFailure,
    Member,
    Organisation,
    Region,
    Sector,
    User,
)
from shared.org.schemas import check_role_links
from shared.schemas import Duration
from shared.tenancy import scoped

M = TypeVar("M", bound=Keyed)

OrganisationSetup = Callable[[AsyncSession, Actor], Awaitable[None]]

# What other contexts create with every new organisation (the default platforms, …), added by
# the composition root (``services/contexts.py``), so this context imports none of them.
ORGANISATION_SETUP: list[OrganisationSetup] = []


def add_organisation_setup(setup: OrganisationSetup) -> None:
    """Run ``setup`` for every new organisation; adding it again changes nothing."""
    if setup not in ORGANISATION_SETUP:
        ORGANISATION_SETUP.append(setup)


# The references each reference-data table may carry, checked to belong to the same organisation.
_REFERENCES: dict[str, type[Base]] = {
    "sector_id": Sector,
    "parent_id": Region,
    "department_id": Department,
    "member_id": Member,
    "expert_id": Expert,
}

# Settings as the API writes them (durations in ISO 8601, periods and counts as given), for the
# JSON column and the audit log.
_as_json = TypeAdapter(dict[str, int | Duration | list[Duration] | str])


async def _committees(session: AsyncSession, actor: Actor, ids: list[uuid.UUID]) -> list[Committee]:
    found = list(
        (
            await session.scalars(
                # In the relationship's order, as a reload of the member would list them.
                scoped(Committee, actor).where(Committee.id.in_(ids)).order_by(Committee.id)
            )
        ).all()
    )
    if len(found) != len(set(ids)):
        raise Invalid("committee_ids: no such committee.", loc=["body", "committee_ids"])
    return found


async def create(session: AsyncSession, actor: Actor, model: type[M], values: dict[str, Any]) -> M:
    """Create a reference-data row (sector, committee, department, region, member, expert)."""
    columns, links, audited = await _split(session, actor, values)
    if model is Region:
        await _check_region_parent(session, actor, columns.get("level"), columns.get("parent_id"))
    return await crud.create_row(
        session, actor, model, columns, _REFERENCES, links=links, audited=audited
    )


async def update(session: AsyncSession, actor: Actor, obj: Any, values: dict[str, Any]) -> Any:
    columns, links, audited = await _split(session, actor, values)
    if isinstance(obj, Region):
        level, parent_id = columns.get("level", obj.level), columns.get("parent_id", obj.parent_id)
        await _check_region_parent(session, actor, level, parent_id)
    return await crud.update_row(
        session, actor, obj, columns, _REFERENCES, links=links, audited=audited
    )


async def _split(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> tuple[dict[str, Any], crud.Links, dict[str, Any]]:
    """The columns, the member's committees (``committee_ids``) and what the audit log keeps."""
    columns = dict(values)
    committee_ids = columns.pop("committee_ids", None)
    if committee_ids is None:
        return columns, {}, columns
    links = {"committees": await _committees(session, actor, committee_ids)}
    return columns, links, {**columns, "committee_ids": sorted(set(committee_ids))}


async def _check_region_parent(
    session: AsyncSession, actor: Actor, level: str | None, parent_id: uuid.UUID | None
) -> None:
    """Villages hang off towns; towns hang off nothing."""
    if level == "town":
        if parent_id is not None:
            raise Invalid("A town has no parent region.", loc=["body", "parent_id"])
        return
    if parent_id is None:
        raise Invalid("A village needs its town as parent_id.", loc=["body", "parent_id"])
    parent = await session.scalar(scoped(Region, actor).where(Region.id == parent_id))
    if parent is None or parent.level != "town":
        raise Invalid("parent_id must be a town.", loc=["body", "parent_id"])


# --- users -----------------------------------------------------------------------------------


async def create_user(session: AsyncSession, actor: Actor, values: dict[str, Any]) -> User:
    values = dict(values)
    await crud.check_references(session, actor, values, _REFERENCES)
    taken = await session.scalar(select(User.id).where(User.username == values["username"]))
    if taken is not None:
        raise Conflict(f"The username {values['username']!r} is taken.")
    password = values.pop("password")
    user = User(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        password_hash=hash_password(password),
        **values,
    )
    session.add(user)
    await session.flush()
    audit.record(
        session, actor, entity_type="user", entity_id=user.id, action="created", changes=values
    )
    return user


async def update_user(
    session: AsyncSession, actor: Actor, user: User, values: dict[str, Any]
) -> User:
    values = dict(values)
    merged = {
        k: values.get(k, getattr(user, k))
        for k in ("role", "department_id", "member_id", "expert_id")
    }
    try:
        check_role_links(
            merged["role"], merged["department_id"], merged["member_id"], merged["expert_id"]
        )
    except ValueError as exc:
        raise Invalid(str(exc), loc=["body"]) from exc
    if user.id == actor.id and (
        values.get("active") is False or values.get("role", "admin") != "admin"
    ):
        raise Conflict("Administrators cannot demote or deactivate themselves.")
    password = values.pop("password", None)
    if password is not None:
        user.password_hash = hash_password(password)
    if password is not None or _ends_sessions(user, values):
        await sessions.revoke_all(session, user)
    updated: User = await update(session, actor, user, values)
    return updated


# What a user's tokens vouch for: a change to any of these ends their sessions.
_SESSION_FIELDS = ("role", "department_id", "member_id", "expert_id")


def _ends_sessions(user: User, values: dict[str, Any]) -> bool:
    if values.get("active") is False and user.active:
        return True
    return any(f in values and values[f] != getattr(user, f) for f in _SESSION_FIELDS)


async def change_password(
    session: AsyncSession, actor: Actor, user: User, new_password: str
) -> None:
    """The user's own password change (the current one already checked): every session ends."""
    if new_password.casefold() == user.username.casefold():
        raise Invalid("The new password may not be the username.", loc=["body", "new_password"])
    user.password_hash = hash_password(new_password)
    await sessions.revoke_all(session, user)
    audit.record(session, actor, entity_type="user", entity_id=user.id, action="password_changed")


# --- API keys --------------------------------------------------------------------------------


async def create_api_key(
    session: AsyncSession, actor: Actor, name: str, scopes: list[str]
) -> tuple[ApiKey, str]:
    key, prefix, key_hash = new_api_key()
    api_key = ApiKey(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        name=name,
        prefix=prefix,
        key_hash=key_hash,
        scopes=sorted(set(scopes)),
    )
    session.add(api_key)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="api_key",
        entity_id=api_key.id,
        action="created",
        changes={"name": name, "scopes": api_key.scopes},
    )
    return api_key, key


# How often an API key's last use is written: reads should not all write.
USE_NOTED_EVERY = timedelta(hours=1)


async def note_api_key_use(session: AsyncSession, api_key: ApiKey) -> None:
    """Record when a key was last used, at most hourly so that reads stay reads. One UPDATE
    that is right on its own, because a GET's session commits each statement by itself; it
    leaves the key's version alone (nobody edits a last use), and its condition makes requests
    racing with the same key harmless."""
    now = clock.now()
    since = now - USE_NOTED_EVERY
    if api_key.last_used_at is not None and api_key.last_used_at > since:
        return
    await session.execute(
        sql_update(ApiKey)
        .where(ApiKey.id == api_key.id)
        .where(or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= since))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


async def revoke_api_key(session: AsyncSession, actor: Actor, api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = clock.now()
        await session.flush()
        audit.record(session, actor, entity_type="api_key", entity_id=api_key.id, action="revoked")


# --- settings --------------------------------------------------------------------------------


async def update_settings(
    session: AsyncSession, actor: Actor, organisation: Organisation, values: dict[str, Any]
) -> Organisation:
    written = _as_json.dump_python(values, mode="json")
    for field, value in values.items():
        setattr(organisation, field, written[field] if field == "escalation_after" else value)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="organisation",
        entity_id=organisation.id,
        action="settings_updated",
        changes=written,
    )
    return organisation


# --- login -----------------------------------------------------------------------------------


async def authenticate(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    client: str | None,
    max_failures: int,
    window: timedelta,
) -> User | None:
    """The active user with these credentials, or None (and the failure is recorded).

    After ``max_failures`` failures for a username within ``window`` every try is refused
    (429) until the window has passed, whether or not the password is right.
    """
    key = username[:100]  # as the failure is stored, so over-long names are counted too
    now = clock.now()
    recent = await session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.username == key, LoginFailure.at > now - window)
        .order_by(LoginFailure.at.desc())
        .limit(max_failures)
    )
    failures = list(recent.all())
    if len(failures) >= max_failures:
        # The block lifts when the oldest of the last ``max_failures`` leaves the window.
        wait = failures[-1] + window - now
        raise RateLimited(
            "Too many failed logins; try again later.",
            retry_after=max(1, math.ceil(wait.total_seconds())),
        )
    user = await session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else DUMMY_PASSWORD_HASH, password)
    if user is not None and ok and user.active:
        await session.execute(delete(LoginFailure).where(LoginFailure.username == key))
        return user
    session.add(LoginFailure(id=uuid7(), username=key, client=client, at=now))
    return None


# --- organisations ---------------------------------------------------------------------------


async def init_organisation(
    session: AsyncSession, name: str, admin_username: str, admin_password: str
) -> tuple[Organisation, bool]:
    """Create an organisation with its admin; the second value says whether it was new.

    Idempotent: an existing organisation of that name is returned unchanged. Other contexts add
    their defaults (platforms, …) through ``add_organisation_setup``.
    """
    organisation = await session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is not None:
        return organisation, False
    organisation = Organisation(id=uuid7(), name=name)
    session.add(organisation)
    await session.flush()
    actor = Actor.system(organisation.id)
    for setup in ORGANISATION_SETUP:
        await setup(session, actor)
    await create_user(
        session,
        actor,
        {
            "username": admin_username,
            "password": admin_password,
            "role": Role.admin.value,
            "display_name": f"{name} 管理员",
        },
    )
    return organisation, True
