"""Organisation context: reference data, role rules, tenancy, references between rows (users,
settings, and query counts with audit have their own modules)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.api.test_auth import bearer, login, problem
from tests.conftest import World

pytestmark = pytest.mark.asyncio

API = "/api/v1"

# collection → (a valid create body, a valid patch body)
COLLECTIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "sectors": ({"name": "经济界"}, {"name": "经济界别"}),
    "committees": ({"name": "提案委"}, {"name": "提案委员会"}),
    "departments": ({"name": "区水利局"}, {"name": "区水利局（新）"}),
    "regions": ({"name": "姜山镇", "level": "town", "lat": 29.7, "lon": 121.5}, {"lat": 29.8}),
    "members": ({"name": "李委员", "standing": True}, {"bio": "长期关注民生"}),
    "experts": ({"name": "王教授", "field": "城市规划", "batch": 2}, {"affiliation": "宁波大学"}),
}
READERS = ["admin", "staff", "leader", "auditor"]
OUTSIDERS = ["member", "department", "department2"]


async def post(client: httpx.AsyncClient, world: World, path: str, body: dict[str, Any]) -> Any:
    response = await client.post(f"{API}/{path}", json=body, headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    return response.json()


async def patch(
    client: httpx.AsyncClient, world: World, path: str, body: dict[str, Any], role: str = "admin"
) -> httpx.Response:
    return await client.patch(f"{API}/{path}", json=body, headers=world.auth(role))


async def expert_login(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    """A real expert user (the shared world has none), logged in through /auth/token."""
    expert = await post(client, world, "experts", {"name": "赵专家", "field": "法律"})
    username = f"expert-{uuid.uuid4().hex[:8]}"
    body = {
        "username": username,
        "password": "expert password",
        "role": "expert",
        "display_name": "赵专家",
        "expert_id": expert["id"],
    }
    await post(client, world, "users", body)
    tokens = (await login(client, username, "expert password")).json()
    me = await client.get(f"{API}/me", headers=bearer(tokens["access_token"]))
    assert me.json()["role"] == "expert" and me.json()["expert_id"] == expert["id"]
    return bearer(tokens["access_token"])


def new_user(role: str = "staff", **links: Any) -> dict[str, Any]:
    return {
        "username": f"user-{uuid.uuid4().hex[:8]}",
        "password": "a good password",
        "role": role,
        "display_name": "新用户",
        **links,
    }


# --- reference data: the five routes and their role rule --------------------------------------


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_reference_crud(client: httpx.AsyncClient, world: World, collection: str) -> None:
    create_body, patch_body = COLLECTIONS[collection]
    response = await client.post(
        f"{API}/{collection}", json=create_body, headers=world.auth("admin")
    )
    assert response.status_code == 201, response.text
    created = response.json()
    location = response.headers["location"]
    assert location == f"{API}/{collection}/{created['id']}"
    assert response.headers["etag"] == '"1"' and created["version"] == 1
    assert {k: created[k] for k in create_body} == create_body
    for role in READERS:
        fetched = await client.get(location, headers=world.auth(role))
        assert fetched.status_code == 200 and fetched.json() == created
        listed = await client.get(f"{API}/{collection}", headers=world.auth(role))
        assert created["id"] in [item["id"] for item in listed.json()["items"]]
    stale = await client.patch(
        location, json=patch_body, headers={**world.auth("admin"), "If-Match": '"7"'}
    )
    problem(stale, 412, "version_mismatch")
    updated = await client.patch(
        location, json=patch_body, headers={**world.auth("admin"), "If-Match": '"1"'}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2 and updated.headers["etag"] == '"2"'
    assert {k: updated.json()[k] for k in patch_body} == patch_body
    assert (await client.get(location, headers=world.auth("staff"))).json() == updated.json()
    assert (await client.delete(location, headers=world.auth("admin"))).status_code == 204
    problem(await client.get(location, headers=world.auth("admin")), 404, "not_found")


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_reference_role_rule(
    client: httpx.AsyncClient, world: World, collection: str
) -> None:
    create_body, patch_body = COLLECTIONS[collection]
    created = await post(client, world, collection, create_body)
    item = f"{API}/{collection}/{created['id']}"
    expert = await expert_login(client, world)
    outsiders = [world.auth(role) for role in OUTSIDERS] + [expert]
    for headers in outsiders:
        problem(await client.get(f"{API}/{collection}", headers=headers), 403, "forbidden")
        problem(await client.get(item, headers=headers), 403, "forbidden")
    for headers in outsiders + [world.auth(role) for role in ("staff", "leader", "auditor")]:
        response = await client.post(f"{API}/{collection}", json=create_body, headers=headers)
        problem(response, 403, "forbidden")
        problem(await client.patch(item, json=patch_body, headers=headers), 403, "forbidden")
        problem(await client.delete(item, headers=headers), 403, "forbidden")
    assert (await client.get(item, headers=world.auth("admin"))).json()["version"] == 1


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_reference_of_another_organisation_is_404(
    client: httpx.AsyncClient, world: World, other_world: World, collection: str
) -> None:
    create_body, patch_body = COLLECTIONS[collection]
    created = await post(client, world, collection, create_body)
    item = f"{API}/{collection}/{created['id']}"
    for role in ("admin", "staff"):
        problem(await client.get(item, headers=other_world.auth(role)), 404, "not_found")
    admin = other_world.auth("admin")
    problem(await client.patch(item, json=patch_body, headers=admin), 404, "not_found")
    problem(await client.delete(item, headers=admin), 404, "not_found")
    listed = await client.get(f"{API}/{collection}", headers=admin)
    assert created["id"] not in [item["id"] for item in listed.json()["items"]]
    assert (await client.get(item, headers=world.auth("admin"))).json()["version"] == 1


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_reference_fields_cannot_be_nulled(
    client: httpx.AsyncClient, world: World, collection: str
) -> None:
    created = await post(client, world, collection, COLLECTIONS[collection][0])
    response = await patch(client, world, f"{collection}/{created['id']}", {"name": None})
    body = problem(response, 422, "validation_error")
    assert ["body", "name"] in [e["loc"] for e in body["errors"]]


@pytest.mark.parametrize(
    ("collection", "body"),
    [
        ("sectors", {}),
        ("sectors", {"name": "  "}),
        ("sectors", {"name": "x", "colour": "red"}),
        ("committees", {"name": "x" * 101}),
        ("experts", {"name": "x", "field": "y", "batch": 0}),
        ("members", {"name": "x", "committee_ids": ["not-a-uuid"]}),
        ("members", {"name": "x", "standing": "sometimes"}),
    ],
)
async def test_bad_reference_bodies_are_422(
    client: httpx.AsyncClient, world: World, collection: str, body: dict[str, Any]
) -> None:
    response = await client.post(f"{API}/{collection}", json=body, headers=world.auth("admin"))
    problem(response, 422, "validation_error")


async def test_unknown_id_and_bad_id(client: httpx.AsyncClient, world: World) -> None:
    headers = world.auth("admin")
    problem(await client.get(f"{API}/sectors/{uuid.uuid4()}", headers=headers), 404, "not_found")
    problem(await client.get(f"{API}/sectors/not-a-uuid", headers=headers), 422, "validation_error")


# --- references between rows -------------------------------------------------------------------


async def test_references_to_another_organisation_are_422(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    theirs = {
        name: (await post(client, other_world, path, body))["id"]
        for name, path, body in [
            ("sector", "sectors", {"name": "他方界别"}),
            ("committee", "committees", {"name": "他方专委"}),
            ("town", "regions", {"name": "他方镇", "level": "town"}),
        ]
    }
    cases = [
        ("members", {"name": "x", "sector_id": theirs["sector"]}, "sector_id"),
        ("members", {"name": "x", "committee_ids": [theirs["committee"]]}, "committee_ids"),
        ("regions", {"name": "x", "level": "village", "parent_id": theirs["town"]}, "parent_id"),
    ]
    for collection, body, field in cases:
        response = await client.post(f"{API}/{collection}", json=body, headers=world.auth("admin"))
        assert ["body", field] in [
            e["loc"] for e in problem(response, 422, "validation_error")["errors"]
        ]
    mine = await post(client, world, "members", {"name": "x"})
    response = await patch(client, world, f"members/{mine['id']}", {"sector_id": theirs["sector"]})
    problem(response, 422, "validation_error")
    user = {"username": f"u-{uuid.uuid4().hex[:8]}", "password": "password1", "display_name": "u"}
    department = (await client.get(f"{API}/departments", headers=other_world.auth("admin"))).json()
    response = await client.post(
        f"{API}/users",
        json={**user, "role": "department", "department_id": department["items"][0]["id"]},
        headers=world.auth("admin"),
    )
    problem(response, 422, "validation_error")


async def test_regions_hang_villages_off_towns(client: httpx.AsyncClient, world: World) -> None:
    town = await post(client, world, "regions", {"name": "下应街道", "level": "town"})
    village = await post(
        client, world, "regions", {"name": "湾底村", "level": "village", "parent_id": town["id"]}
    )
    assert village["parent_id"] == town["id"]
    bad = [
        {"name": "孤村", "level": "village"},
        {"name": "镇中镇", "level": "town", "parent_id": town["id"]},
        {"name": "村中村", "level": "village", "parent_id": village["id"]},
        {"name": "无处村", "level": "village", "parent_id": str(uuid.uuid4())},
        {"name": "北极", "level": "town", "lat": 90.5},
        {"name": "南极", "level": "town", "lat": -91},
        {"name": "东边", "level": "town", "lon": 180.1},
        {"name": "西边", "level": "town", "lon": -181},
        {"name": "城市", "level": "city"},
    ]
    for body in bad:
        response = await client.post(f"{API}/regions", json=body, headers=world.auth("admin"))
        problem(response, 422, "validation_error")
    for body in ({"parent_id": None}, {"lat": 100}, {"level": "town"}):
        response = await patch(client, world, f"regions/{village['id']}", body)
        problem(response, 422, "validation_error")
    response = await patch(client, world, f"regions/{town['id']}", {"parent_id": town["id"]})
    problem(response, 422, "validation_error")
    edge = await post(
        client, world, "regions", {"name": "边", "level": "town", "lat": -90, "lon": 180}
    )
    assert (edge["lat"], edge["lon"]) == (-90, 180)
    villages = await client.get(
        f"{API}/regions", params={"level": "village"}, headers=world.auth("staff")
    )
    assert [r["id"] for r in villages.json()["items"]] == [village["id"]]
    children = await client.get(
        f"{API}/regions", params={"parent_id": town["id"]}, headers=world.auth("staff")
    )
    assert [r["id"] for r in children.json()["items"]] == [village["id"]]
    problem(
        await client.delete(f"{API}/regions/{town['id']}", headers=world.auth("admin")),
        409,
        "conflict",
    )


async def test_member_committees_round_trip(client: httpx.AsyncClient, world: World) -> None:
    committees = [(await post(client, world, "committees", {"name": n}))["id"] for n in "甲乙丙"]
    sector = await post(client, world, "sectors", {"name": "农业界"})
    member = await post(
        client,
        world,
        "members",
        {"name": "周委员", "sector_id": sector["id"], "committee_ids": committees[:2]},
    )
    assert sorted(member["committee_ids"]) == sorted(committees[:2])
    fetched = await client.get(f"{API}/members/{member['id']}", headers=world.auth("staff"))
    assert sorted(fetched.json()["committee_ids"]) == sorted(committees[:2])
    changed = await patch(
        client, world, f"members/{member['id']}", {"committee_ids": committees[2:]}
    )
    assert changed.json()["committee_ids"] == committees[2:]
    renamed = await patch(client, world, f"members/{member['id']}", {"name": "周委员（改）"})
    assert renamed.json()["committee_ids"] == committees[2:]
    cleared = await patch(client, world, f"members/{member['id']}", {"committee_ids": []})
    assert cleared.json()["committee_ids"] == []
    listed = await client.get(
        f"{API}/members", params={"sector_id": sector["id"]}, headers=world.auth("leader")
    )
    assert [m["id"] for m in listed.json()["items"]] == [member["id"]]
    unknown = await patch(
        client, world, f"members/{member['id']}", {"committee_ids": [str(uuid.uuid4())]}
    )
    problem(unknown, 422, "validation_error")
    # A committee in use can still go: the membership rows go with it.
    await patch(client, world, f"members/{member['id']}", {"committee_ids": committees[:1]})
    gone = await client.delete(f"{API}/committees/{committees[0]}", headers=world.auth("admin"))
    assert gone.status_code == 204
    after = await client.get(f"{API}/members/{member['id']}", headers=world.auth("staff"))
    assert after.json()["committee_ids"] == []


async def test_member_phone_and_nullable_fields(client: httpx.AsyncClient, world: World) -> None:
    member = await post(client, world, "members", {"name": "吴委员", "phone": "+86 138-0000-0000"})
    assert member["phone"] == "+86 138-0000-0000"
    for phone in ("call me", "123", "1" * 31, "+86(138)"):
        response = await client.post(
            f"{API}/members", json={"name": "x", "phone": phone}, headers=world.auth("admin")
        )
        problem(response, 422, "validation_error")
    problem(
        await patch(client, world, f"members/{member['id']}", {"phone": "abc"}),
        422,
        "validation_error",
    )
    cleared = await patch(client, world, f"members/{member['id']}", {"phone": None, "bio": None})
    assert cleared.status_code == 200 and cleared.json()["phone"] is None
    for body in ({"active": None}, {"standing": None}, {"committee_ids": None}):
        problem(
            await patch(client, world, f"members/{member['id']}", body), 422, "validation_error"
        )


async def test_deleting_rows_still_in_use_is_409(client: httpx.AsyncClient, world: World) -> None:
    department = f"{API}/departments/{world.departments[0]}"
    problem(await client.delete(department, headers=world.auth("admin")), 409, "conflict")
    assert (await client.get(department, headers=world.auth("admin"))).status_code == 200
    sector = await post(client, world, "sectors", {"name": "文艺界"})
    await post(client, world, "members", {"name": "x", "sector_id": sector["id"]})
    path = f"{API}/sectors/{sector['id']}"
    problem(await client.delete(path, headers=world.auth("admin")), 409, "conflict")
    problem(
        await client.delete(f"{API}/members/{world.member_id}", headers=world.auth("admin")),
        409,
        "conflict",
    )
    unused = f"{API}/departments/{world.departments[1]}"
    await patch(
        client,
        world,
        f"users/{world.users['department2']}",
        {"role": "staff", "department_id": None},
    )
    assert (await client.delete(unused, headers=world.auth("admin"))).status_code == 204
