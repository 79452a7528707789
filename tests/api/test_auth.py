"""Login, tokens, the rate limit, who-am-I and API keys, on both databases."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from shared import clock
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.asyncio

TOKEN = "/api/v1/auth/token"


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the problem+json error ``code`` with ``status``, and no stack trace."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    assert "Traceback" not in response.text
    return body


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(TOKEN, data={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- login ------------------------------------------------------------------------------------


async def test_login_issues_both_tokens(client: httpx.AsyncClient, world: World) -> None:
    response = await login(client, world.usernames["staff"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["access_token"] and body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]
    me = await client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["role"] == "staff"


@pytest.mark.parametrize("role", ["admin", "leader", "member", "department", "auditor"])
async def test_every_role_can_log_in(client: httpx.AsyncClient, world: World, role: str) -> None:
    response = await login(client, world.usernames[role])
    assert response.status_code == 200, response.text
    me = (await client.get("/api/v1/me", headers=bearer(response.json()["access_token"]))).json()
    assert me["role"] == role.rstrip("2") and me["username"] == world.usernames[role]


async def test_wrong_password_is_401(client: httpx.AsyncClient, world: World) -> None:
    response = await login(client, world.usernames["staff"], "not the password")
    body = problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert "access_token" not in body


async def test_unknown_user_is_401(client: httpx.AsyncClient) -> None:
    problem(await login(client, "nobody-at-all"), 401, "unauthenticated")


async def test_login_form_fields_are_required(client: httpx.AsyncClient) -> None:
    problem(await client.post(TOKEN, data={"username": "x"}), 422, "validation_error")


async def test_inactive_user_cannot_log_in(client: httpx.AsyncClient, world: World) -> None:
    deactivated = await client.patch(
        f"/api/v1/users/{world.users['staff']}",
        json={"active": False},
        headers=world.auth("admin"),
    )
    assert deactivated.status_code == 200, deactivated.text
    problem(await login(client, world.usernames["staff"]), 401, "unauthenticated")


async def test_rate_limit_after_five_failures(client: httpx.AsyncClient, world: World) -> None:
    username = world.usernames["leader"]
    for _ in range(5):
        problem(await login(client, username, "wrong password"), 401, "unauthenticated")
    limited = await login(client, username)  # even the right password is refused now
    problem(limited, 429, "rate_limited")
    assert 14 * 60 < int(limited.headers["retry-after"]) <= 15 * 60
    clock.advance(timedelta(minutes=10))
    still = await login(client, username)
    problem(still, 429, "rate_limited")
    assert 4 * 60 < int(still.headers["retry-after"]) <= 5 * 60
    clock.advance(timedelta(minutes=4))
    problem(await login(client, username), 429, "rate_limited")
    clock.advance(timedelta(minutes=2))
    assert (await login(client, username)).status_code == 200


async def test_rate_limit_is_per_username(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(5):
        await login(client, world.usernames["leader"], "wrong password")
    assert (await login(client, world.usernames["auditor"])).status_code == 200


async def test_success_clears_earlier_failures(client: httpx.AsyncClient, world: World) -> None:
    username = world.usernames["auditor"]
    for _ in range(4):
        await login(client, username, "wrong password")
    assert (await login(client, username)).status_code == 200
    for _ in range(4):
        problem(await login(client, username, "wrong password"), 401, "unauthenticated")
    assert (await login(client, username)).status_code == 200


@pytest.mark.parametrize("username", ["ghost-user", "g" * 300])
async def test_unknown_usernames_are_rate_limited_too(
    client: httpx.AsyncClient, username: str
) -> None:
    username = uuid.uuid4().hex + username  # each backend and run starts with a clean slate
    for _ in range(5):
        problem(await login(client, username, "guess"), 401, "unauthenticated")
    problem(await login(client, username, "guess"), 429, "rate_limited")


# --- tokens ----------------------------------------------------------------------------------


async def test_refresh_issues_new_tokens(client: httpx.AsyncClient, world: World) -> None:
    tokens = (await login(client, world.usernames["department"])).json()
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    me = await client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.json()["department_id"] == str(world.departments[0])


async def test_token_kinds_are_not_interchangeable(client: httpx.AsyncClient, world: World) -> None:
    tokens = (await login(client, world.usernames["staff"])).json()
    problem(
        await client.get("/api/v1/me", headers=bearer(tokens["refresh_token"])),
        401,
        "unauthenticated",
    )
    problem(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]}),
        401,
        "unauthenticated",
    )


async def test_refresh_refused_for_deactivated_user(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = (await login(client, world.usernames["leader"])).json()
    await client.patch(
        f"/api/v1/users/{world.users['leader']}",
        json={"active": False},
        headers=world.auth("admin"),
    )
    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    problem(response, 401, "unauthenticated")


async def test_refresh_token_expires(client: httpx.AsyncClient, world: World) -> None:
    tokens = (await login(client, world.usernames["staff"])).json()
    clock.advance(timedelta(days=7, minutes=1))
    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    problem(response, 401, "unauthenticated")


@pytest.mark.parametrize("body", [{}, {"refresh_token": ""}, {"refresh_token": "garbage"}])
async def test_bad_refresh_bodies(client: httpx.AsyncClient, body: dict[str, str]) -> None:
    response = await client.post("/api/v1/auth/refresh", json=body)
    assert response.status_code in (401, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_expired_access_token_is_401(client: httpx.AsyncClient, world: World) -> None:
    headers = world.auth("staff")
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    clock.advance(timedelta(minutes=16))
    problem(await client.get("/api/v1/me", headers=headers), 401, "unauthenticated")


async def test_token_signed_with_another_key_is_401(
    client: httpx.AsyncClient, world: World
) -> None:
    import jwt

    forged = jwt.encode(
        {"sub": str(world.users["admin"]), "typ": "access", "exp": 4_000_000_000},
        "x" * 40,
        algorithm="HS256",
    )
    problem(await client.get("/api/v1/me", headers=bearer(forged)), 401, "unauthenticated")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer txk_not-a-real-key"},
    ],
)
async def test_missing_or_garbage_credentials_are_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/me", headers=headers)
    problem(response, 401, "unauthenticated")
    problem(await client.get("/api/v1/sectors", headers=headers), 401, "unauthenticated")


# --- who am I --------------------------------------------------------------------------------


async def test_me_for_users(client: httpx.AsyncClient, world: World) -> None:
    me = (await client.get("/api/v1/me", headers=world.auth("department"))).json()
    assert me["id"] == str(world.users["department"])
    assert me["role"] == "department"
    assert me["organisation_id"] == str(world.organisation_id)
    assert me["organisation_name"].startswith("测试政协")
    assert me["department_id"] == str(world.departments[0])
    assert me["member_id"] is None and me["scopes"] == []
    member = (await client.get("/api/v1/me", headers=world.auth("member"))).json()
    assert member["member_id"] == str(world.member_id) and member["department_id"] is None
    admin = (await client.get("/api/v1/me", headers=world.auth("admin"))).json()
    assert admin["username"] == world.usernames["admin"]
    assert "password" not in admin and "password_hash" not in admin


# --- API keys --------------------------------------------------------------------------------


async def make_key(client: httpx.AsyncClient, world: World, scopes: list[str]) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/api-keys", json={"name": "数据中台", "scopes": scopes}, headers=world.auth("admin")
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_api_key_is_shown_once(client: httpx.AsyncClient, world: World) -> None:
    created = await make_key(client, world, ["read"])
    key = created["key"]
    assert key.startswith("txk_") and created["prefix"] == key[:12]
    assert created["scopes"] == ["read"] and created["revoked_at"] is None
    fetched = await client.get(f"/api/v1/api-keys/{created['id']}", headers=world.auth("admin"))
    assert fetched.status_code == 200 and "key" not in fetched.json()
    assert key not in fetched.text
    listed = await client.get("/api/v1/api-keys", headers=world.auth("auditor"))
    assert [k["id"] for k in listed.json()["items"]] == [created["id"]]
    assert key not in listed.text and "key_hash" not in listed.text


async def test_api_key_reads_what_its_scope_allows(client: httpx.AsyncClient, world: World) -> None:
    key = bearer((await make_key(client, world, ["read"]))["key"])
    await client.post("/api/v1/sectors", json={"name": "经济界"}, headers=world.auth("admin"))
    sectors = await client.get("/api/v1/sectors", headers=key)
    assert sectors.status_code == 200 and [s["name"] for s in sectors.json()["items"]] == ["经济界"]
    # The key's lookup opened the request's session: the read runs on it too.
    [sector] = sectors.json()["items"]
    one = await client.get(f"/api/v1/sectors/{sector['id']}", headers=key)
    assert one.status_code == 200 and one.json() == sector
    assert (await client.get("/api/v1/organisation/settings", headers=key)).status_code == 200
    problem(await client.post("/api/v1/sectors", json={"name": "x"}, headers=key), 403, "forbidden")
    problem(await client.get("/api/v1/users", headers=key), 403, "forbidden")
    problem(await client.get("/api/v1/api-keys", headers=key), 403, "forbidden")
    problem(
        await client.post("/api/v1/api-keys", json={"name": "mine"}, headers=key), 403, "forbidden"
    )


async def test_api_key_without_read_scope_cannot_read(
    client: httpx.AsyncClient, world: World
) -> None:
    key = bearer((await make_key(client, world, ["webhooks"]))["key"])
    problem(await client.get("/api/v1/sectors", headers=key), 403, "forbidden")


async def test_me_for_an_api_key(client: httpx.AsyncClient, world: World) -> None:
    created = await make_key(client, world, ["read", "webhooks"])
    me = (await client.get("/api/v1/me", headers=bearer(created["key"]))).json()
    assert me["role"] == "integrator" and me["id"] == created["id"]
    assert me["username"] is None and me["scopes"] == ["read", "webhooks"]
    assert me["organisation_id"] == str(world.organisation_id)


async def test_api_key_use_is_noted(client: httpx.AsyncClient, world: World) -> None:
    created = await make_key(client, world, ["read"])
    await client.get("/api/v1/sectors", headers=bearer(created["key"]))
    fetched = await client.get(f"/api/v1/api-keys/{created['id']}", headers=world.auth("admin"))
    assert fetched.json()["last_used_at"] is not None


async def test_revoked_api_key_is_401(client: httpx.AsyncClient, world: World) -> None:
    created = await make_key(client, world, ["read"])
    key = bearer(created["key"])
    revoked = await client.delete(f"/api/v1/api-keys/{created['id']}", headers=world.auth("admin"))
    assert revoked.status_code == 204
    problem(await client.get("/api/v1/sectors", headers=key), 401, "unauthenticated")
    fetched = await client.get(f"/api/v1/api-keys/{created['id']}", headers=world.auth("admin"))
    assert fetched.json()["revoked_at"] is not None
    again = await client.delete(f"/api/v1/api-keys/{created['id']}", headers=world.auth("admin"))
    assert again.status_code == 204


async def test_api_keys_of_another_organisation_are_invisible(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    created = await make_key(client, world, ["read"])
    path = f"/api/v1/api-keys/{created['id']}"
    problem(await client.get(path, headers=other_world.auth("admin")), 404, "not_found")
    problem(await client.delete(path, headers=other_world.auth("admin")), 404, "not_found")
    listed = await client.get("/api/v1/api-keys", headers=other_world.auth("admin"))
    assert listed.json()["items"] == []
    # The key itself only ever sees its own organisation.
    await client.post("/api/v1/sectors", json={"name": "他方"}, headers=other_world.auth("admin"))
    sectors = await client.get("/api/v1/sectors", headers=bearer(created["key"]))
    assert sectors.json()["items"] == []


@pytest.mark.parametrize("role", ["staff", "leader", "member", "department"])
async def test_api_keys_need_admin_or_auditor(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    created = await make_key(client, world, ["read"])
    headers = world.auth(role)
    problem(await client.get("/api/v1/api-keys", headers=headers), 403, "forbidden")
    path = f"/api/v1/api-keys/{created['id']}"
    problem(await client.get(path, headers=headers), 403, "forbidden")
    problem(await client.delete(path, headers=headers), 403, "forbidden")
    problem(
        await client.post("/api/v1/api-keys", json={"name": "k"}, headers=headers), 403, "forbidden"
    )


async def test_auditor_reads_keys_but_cannot_write(client: httpx.AsyncClient, world: World) -> None:
    created = await make_key(client, world, ["read"])
    headers = world.auth("auditor")
    path = f"/api/v1/api-keys/{created['id']}"
    assert (await client.get(path, headers=headers)).status_code == 200
    problem(await client.delete(path, headers=headers), 403, "forbidden")
    problem(
        await client.post("/api/v1/api-keys", json={"name": "k"}, headers=headers), 403, "forbidden"
    )


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "k", "scopes": []}, {"name": "k", "scopes": ["admin"]}, {"scopes": []}],
)
async def test_bad_api_key_bodies_are_422(
    client: httpx.AsyncClient, world: World, body: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/api-keys", json=body, headers=world.auth("admin"))
    problem(response, 422, "validation_error")
