"""Sessions: single-use refresh tokens with reuse detection, logout, password changes, and the
end of a user's sessions when their password, role or active flag changes (refresh tokens at
once, access tokens once the Guard's 60 s epoch cache has passed), on both databases."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.deps import EPOCH_CACHE_TTL
from shared import clock
from shared.db import make_sessionmaker
from shared.org.models import RefreshToken
from tests.api.test_auth import bearer, login, make_key, problem
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.asyncio

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
CHANGE = "/api/v1/me/password"
NEW_PASSWORD = "a much newer secret"
PAST_THE_CACHE = EPOCH_CACHE_TTL + timedelta(seconds=1)


async def tokens(client: httpx.AsyncClient, world: World, role: str) -> dict[str, Any]:
    response = await login(client, world.usernames[role])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": token})


async def me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get("/api/v1/me", headers=bearer(access_token))


# --- refresh tokens --------------------------------------------------------------------------


async def test_each_refresh_returns_a_new_single_use_token(
    client: httpx.AsyncClient, world: World
) -> None:
    first = (await tokens(client, world, "staff"))["refresh_token"]
    second = (await refresh(client, first)).json()["refresh_token"]
    third = await refresh(client, second)
    assert third.status_code == 200, third.text
    assert len({first, second, third.json()["refresh_token"]}) == 3
    assert (await me(client, third.json()["access_token"])).json()["role"] == "staff"


async def test_reusing_a_refresh_token_revokes_its_whole_family(
    client: httpx.AsyncClient, world: World
) -> None:
    stolen = (await tokens(client, world, "leader"))["refresh_token"]
    current = (await refresh(client, stolen)).json()["refresh_token"]
    other_login = (await tokens(client, world, "leader"))["refresh_token"]
    problem(await refresh(client, stolen), 401, "unauthenticated")
    # The legitimate holder's newer token belonged to the same chain: it is refused too.
    problem(await refresh(client, current), 401, "unauthenticated")
    # Another login (another family) of the same user is not touched.
    assert (await refresh(client, other_login)).status_code == 200


async def test_refresh_tokens_are_stored_hashed(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    token = (await tokens(client, world, "auditor"))["refresh_token"]
    async with make_sessionmaker(engine)() as session:
        rows = (
            await session.scalars(
                select(RefreshToken).where(RefreshToken.user_id == world.users["auditor"])
            )
        ).all()
    [row] = rows
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert row.used_at is None and row.revoked_at is None and row.expires_at > clock.now()


async def test_expired_tokens_are_dropped_at_the_next_login(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    old = (await tokens(client, world, "department"))["refresh_token"]
    await refresh(client, old)
    clock.advance(timedelta(days=7, minutes=1))
    new = (await tokens(client, world, "department"))["refresh_token"]
    async with make_sessionmaker(engine)() as session:
        hashes = (
            await session.scalars(
                select(RefreshToken.token_hash).where(
                    RefreshToken.user_id == world.users["department"]
                )
            )
        ).all()
    assert hashes == [hashlib.sha256(new.encode()).hexdigest()]


# --- logout ----------------------------------------------------------------------------------


async def test_logout_revokes_the_refresh_token(client: httpx.AsyncClient, world: World) -> None:
    token = (await tokens(client, world, "member"))["refresh_token"]
    response = await client.post(LOGOUT, json={"refresh_token": token})
    assert response.status_code == 204 and response.content == b""
    problem(await refresh(client, token), 401, "unauthenticated")
    again = await client.post(LOGOUT, json={"refresh_token": token})
    assert again.status_code == 204


async def test_logout_after_a_refresh_ends_the_login(
    client: httpx.AsyncClient, world: World
) -> None:
    first = (await tokens(client, world, "member"))["refresh_token"]
    second = (await refresh(client, first)).json()["refresh_token"]
    assert (await client.post(LOGOUT, json={"refresh_token": second})).status_code == 204
    problem(await refresh(client, second), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("body", "status"),
    [({"refresh_token": "txr_never-issued"}, 204), ({}, 422), ({"refresh_token": ""}, 422)],
)
async def test_logout_bodies(client: httpx.AsyncClient, body: dict[str, str], status: int) -> None:
    response = await client.post(LOGOUT, json=body)
    assert response.status_code == status, response.text
    if status == 422:
        problem(response, 422, "validation_error")


# --- password change -------------------------------------------------------------------------


async def change(
    client: httpx.AsyncClient, headers: dict[str, str], current: str, new: str
) -> httpx.Response:
    return await client.post(
        CHANGE, json={"current_password": current, "new_password": new}, headers=headers
    )


async def test_password_change_ends_every_session(client: httpx.AsyncClient, world: World) -> None:
    session = await tokens(client, world, "staff")
    assert (await me(client, session["access_token"])).status_code == 200
    response = await change(client, bearer(session["access_token"]), PASSWORD, NEW_PASSWORD)
    assert response.status_code == 204, response.text
    problem(await refresh(client, session["refresh_token"]), 401, "unauthenticated")
    problem(await login(client, world.usernames["staff"]), 401, "unauthenticated")
    fresh = await login(client, world.usernames["staff"], NEW_PASSWORD)
    assert fresh.status_code == 200
    clock.advance(PAST_THE_CACHE)
    problem(await me(client, session["access_token"]), 401, "unauthenticated")
    assert (await me(client, fresh.json()["access_token"])).status_code == 200


async def test_wrong_current_password_is_a_validation_problem(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await change(client, world.auth("leader"), "not my password", NEW_PASSWORD)
    body = problem(response, 422, "validation_error")
    assert body["errors"][0]["loc"] == ["body", "current_password"]
    assert (await login(client, world.usernames["leader"])).status_code == 200


async def test_guessing_the_current_password_is_rate_limited(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(5):
        response = await change(client, world.auth("auditor"), "guess", NEW_PASSWORD)
        problem(response, 422, "validation_error")
    right = await change(client, world.auth("auditor"), PASSWORD, NEW_PASSWORD)
    problem(right, 429, "rate_limited")


@pytest.mark.parametrize("new", ["nine char", "", None, 12345678901])
async def test_new_password_rules(client: httpx.AsyncClient, world: World, new: object) -> None:
    response = await client.post(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": new},
        headers=world.auth("staff"),
    )
    problem(response, 422, "validation_error")


async def test_new_password_may_not_be_the_username(
    client: httpx.AsyncClient, world: World
) -> None:
    username = world.usernames["department"]
    assert len(username) >= 10
    for new in (username, username.upper()):
        body = problem(
            await change(client, world.auth("department"), PASSWORD, new), 422, "validation_error"
        )
        assert body["errors"][0]["loc"] == ["body", "new_password"]
    assert (await login(client, username)).status_code == 200


async def test_an_api_key_has_no_password_to_change(
    client: httpx.AsyncClient, world: World
) -> None:
    key = bearer((await make_key(client, world, ["read"]))["key"])
    problem(await change(client, key, PASSWORD, NEW_PASSWORD), 403, "forbidden")
    problem(await change(client, {}, PASSWORD, NEW_PASSWORD), 401, "unauthenticated")


# --- revocation by an administrator --------------------------------------------------------


async def admin_patch(
    client: httpx.AsyncClient, world: World, role: str, body: dict[str, Any]
) -> None:
    response = await client.patch(
        f"/api/v1/users/{world.users[role]}", json=body, headers=world.auth("admin")
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "change_by_admin",
    [
        {"active": False},
        {"role": "auditor", "member_id": None},
        {"password": "reset by the office"},
    ],
    ids=["deactivated", "role-changed", "password-reset"],
)
async def test_admin_changes_end_the_users_sessions(
    client: httpx.AsyncClient, world: World, change_by_admin: dict[str, Any]
) -> None:
    session = await tokens(client, world, "member")
    fixture_token = world.auth("member")
    assert (await me(client, session["access_token"])).status_code == 200
    assert (await client.get("/api/v1/me", headers=fixture_token)).status_code == 200
    await admin_patch(client, world, "member", change_by_admin)
    problem(await refresh(client, session["refresh_token"]), 401, "unauthenticated")
    clock.advance(PAST_THE_CACHE)
    problem(await me(client, session["access_token"]), 401, "unauthenticated")
    problem(await client.get("/api/v1/me", headers=fixture_token), 401, "unauthenticated")


async def test_other_edits_leave_sessions_alone(client: httpx.AsyncClient, world: World) -> None:
    session = await tokens(client, world, "staff")
    await admin_patch(client, world, "staff", {"display_name": "改名了", "role": "staff"})
    refreshed = await refresh(client, session["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    clock.advance(PAST_THE_CACHE)
    assert (await me(client, session["access_token"])).status_code == 200


async def test_reactivation_does_not_revive_old_tokens(
    client: httpx.AsyncClient, world: World
) -> None:
    session = await tokens(client, world, "leader")
    await admin_patch(client, world, "leader", {"active": False})
    await admin_patch(client, world, "leader", {"active": True})
    problem(await refresh(client, session["refresh_token"]), 401, "unauthenticated")
    clock.advance(PAST_THE_CACHE)
    problem(await me(client, session["access_token"]), 401, "unauthenticated")
    fresh = await tokens(client, world, "leader")
    assert (await me(client, fresh["access_token"])).status_code == 200
