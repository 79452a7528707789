"""Users: the admin manages logins; passwords never leave; role links are checked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_auth import login, problem
from tests.api.test_org import API, new_user, patch, post
from tests.conftest import World


async def test_users_crud_never_shows_password(client: httpx.AsyncClient, world: World) -> None:
    body = new_user("department", department_id=str(world.departments[1]))
    response = await client.post(f"{API}/users", json=body, headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["role"] == "department" and user["department_id"] == str(world.departments[1])
    assert user["organisation_id"] == str(world.organisation_id) and user["active"] is True
    texts = [response.text]
    texts.append(
        (await client.get(f"{API}/users/{user['id']}", headers=world.auth("auditor"))).text
    )
    texts.append((await client.get(f"{API}/users", headers=world.auth("admin"))).text)
    changed = await patch(client, world, f"users/{user['id']}", {"password": "another password"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    texts.append(changed.text)
    for text in texts:
        assert "password" not in text and "argon2" not in text
    assert (await login(client, body["username"], "another password")).status_code == 200
    problem(await login(client, body["username"]), 401, "unauthenticated")
    listed = await client.get(
        f"{API}/users", params={"role": "department"}, headers=world.auth("auditor")
    )
    assert {u["id"] for u in listed.json()["items"]} == {
        user["id"],
        str(world.users["department"]),
        str(world.users["department2"]),
    }


@pytest.mark.parametrize(
    "links",
    [
        {"role": "department"},
        {"role": "member"},
        {"role": "expert"},
        {"role": "staff", "department_id": "DEPARTMENT"},
        {"role": "admin", "member_id": "MEMBER"},
        {"role": "department", "department_id": "DEPARTMENT", "member_id": "MEMBER"},
        {"role": "chair"},
    ],
)
async def test_user_role_links_are_checked(
    client: httpx.AsyncClient, world: World, links: dict[str, str]
) -> None:
    ids = {"DEPARTMENT": str(world.departments[0]), "MEMBER": str(world.member_id)}
    body = {**new_user(), **{k: ids.get(v, v) for k, v in links.items()}}
    response = await client.post(f"{API}/users", json=body, headers=world.auth("admin"))
    problem(response, 422, "validation_error")


async def test_user_role_change_rechecks_links(client: httpx.AsyncClient, world: World) -> None:
    path = f"users/{world.users['department']}"
    problem(await patch(client, world, path, {"role": "staff"}), 422, "validation_error")
    problem(await patch(client, world, path, {"department_id": None}), 422, "validation_error")
    problem(await patch(client, world, path, {"role": None}), 422, "validation_error")
    moved = await patch(client, world, path, {"department_id": str(world.departments[1])})
    assert moved.json()["department_id"] == str(world.departments[1])
    staff = await patch(client, world, path, {"role": "staff", "department_id": None})
    assert staff.json()["role"] == "staff" and staff.json()["department_id"] is None


async def test_duplicate_username_is_409(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    body = new_user()
    await post(client, world, "users", body)
    again = await client.post(f"{API}/users", json=body, headers=world.auth("admin"))
    problem(again, 409, "conflict")
    elsewhere = await client.post(f"{API}/users", json=body, headers=other_world.auth("admin"))
    problem(elsewhere, 409, "conflict")


async def test_admin_cannot_demote_or_deactivate_self(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"users/{world.users['admin']}"
    problem(await patch(client, world, path, {"active": False}), 409, "conflict")
    problem(await patch(client, world, path, {"role": "staff"}), 409, "conflict")
    renamed = await patch(client, world, path, {"display_name": "管理员甲"})
    assert renamed.status_code == 200 and renamed.json()["role"] == "admin"
    other_admin = await post(client, world, "users", new_user("admin"))
    demoted = await patch(client, world, f"users/{other_admin['id']}", {"role": "leader"})
    assert demoted.status_code == 200 and demoted.json()["role"] == "leader"


@pytest.mark.parametrize(
    "body",
    [
        {"username": "ab"},
        {"username": "has space"},
        {"password": "short"},
        {"display_name": ""},
        {"is_superuser": True},
    ],
)
async def test_bad_user_bodies_are_422(
    client: httpx.AsyncClient, world: World, body: dict[str, Any]
) -> None:
    response = await client.post(
        f"{API}/users", json={**new_user(), **body}, headers=world.auth("admin")
    )
    problem(response, 422, "validation_error")


async def test_users_role_rule(client: httpx.AsyncClient, world: World, other_world: World) -> None:
    path = f"{API}/users/{world.users['staff']}"
    for role in ("staff", "leader", "member", "department"):
        headers = world.auth(role)
        problem(await client.get(f"{API}/users", headers=headers), 403, "forbidden")
        problem(await client.get(path, headers=headers), 403, "forbidden")
    for role in ("staff", "leader", "auditor", "member"):
        headers = world.auth(role)
        response = await client.post(f"{API}/users", json=new_user(), headers=headers)
        problem(response, 403, "forbidden")
        problem(
            await client.patch(path, json={"display_name": "x"}, headers=headers), 403, "forbidden"
        )
    assert (await client.get(path, headers=world.auth("auditor"))).status_code == 200
    for role in ("admin", "auditor"):
        problem(await client.get(path, headers=other_world.auth(role)), 404, "not_found")
    problem(
        await client.patch(path, json={"active": False}, headers=other_world.auth("admin")),
        404,
        "not_found",
    )
    listed = await client.get(
        f"{API}/users", params={"limit": 100}, headers=other_world.auth("admin")
    )
    assert str(world.users["staff"]) not in listed.text
