"""Member cards, public contact requests (rate-limited) and service activities."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.studio.factories import (
    API,
    CENTRE,
    client_from,
    event_types,
    make_member,
    make_studio,
    member_login,
)

pytestmark = pytest.mark.asyncio

PRIVATE_PHONE = "+86 138 0000 1234"


async def _card_member(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    sector = await client.post(
        f"{API}/sectors", json={"name": "医卫界"}, headers=world.auth("admin")
    )
    member = await make_member(
        client,
        world,
        sector_id=sector.json()["id"],
        phone=PRIVATE_PHONE,
        bio="private-bio-text",
        photo_url="https://img.example/li.jpg",
    )
    studio = await make_studio(client, world, CENTRE, name="首善有爱委员工作室")
    response = await client.post(
        f"{API}/studios/{studio['id']}/memberships",
        json={"member_id": member["id"], "since": "2023-01-01"},
        headers=world.auth("staff"),
    )
    assert response.status_code == 201
    return member


async def test_member_card_is_public_and_holds_no_private_field(
    client: httpx.AsyncClient, world: World
) -> None:
    member = await _card_member(client, world)
    response = await client.get(f"{API}/members/{member['id']}/card")  # no login
    assert response.status_code == 200, response.text
    card = response.json()
    assert set(card) == {"id", "name", "sector", "studios", "photo_url", "contact_url"}
    assert card["sector"] == "医卫界"
    assert [s["name"] for s in card["studios"]] == ["首善有爱委员工作室"]
    assert card["contact_url"].endswith(f"/api/v1/members/{member['id']}/contact-requests")
    assert PRIVATE_PHONE not in response.text and "private-bio-text" not in response.text
    await client.patch(
        f"{API}/members/{member['id']}", json={"active": False}, headers=world.auth("admin")
    )
    assert_problem(await client.get(f"{API}/members/{member['id']}/card"), 404, "not_found")


async def test_contact_requests_flow_and_privacy(
    client: httpx.AsyncClient, app: FastAPI, world: World, other_world: World, engine: AsyncEngine
) -> None:
    async with client_from(app) as public:
        left = await public.post(
            f"{API}/members/{world.member_id}/contact-requests",
            json={"text": "小区加装电梯的事想请委员帮忙反映", "contact": "王先生 13900000000"},
        )
    assert left.status_code == 201, left.text
    assert set(left.json()) == {"id", "state", "created_at"}  # the receipt echoes nothing private
    request_id = left.json()["id"]
    assert await event_types(engine, request_id) == ["contact_request.created"]
    url = f"{API}/contact-requests/{request_id}"
    own = await client.get(url, headers=world.auth("member"))
    assert own.status_code == 200 and own.json()["contact"] == "王先生 13900000000"
    assert "client" not in own.json()
    stranger = await member_login(client, world, (await make_member(client, world))["id"])
    assert_problem(await client.get(url, headers=stranger), 404, "not_found")
    assert (await client.get(f"{API}/contact-requests", headers=stranger)).json()["items"] == []
    assert_problem(
        await client.post(f"{url}/transitions", json={"action": "close"}, headers=stranger),
        404,
        "not_found",
    )
    assert_problem(await client.get(url, headers=other_world.auth("staff")), 404, "not_found")
    assert_problem(await client.get(url, headers=world.auth("department")), 403, "forbidden")
    answered = await client.post(
        f"{url}/transitions",
        json={"action": "answer", "answer": "已转区住建局"},
        headers=world.auth("member"),
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "已转区住建局"
    again = await client.post(
        f"{url}/transitions", json={"action": "answer"}, headers=world.auth("staff")
    )
    assert_problem(again, 409, "invalid_transition")
    auditor = await client.post(
        f"{url}/transitions", json={"action": "close"}, headers=world.auth("auditor")
    )
    assert_problem(auditor, 403, "forbidden")
    closed = await client.post(
        f"{url}/transitions", json={"action": "close"}, headers=world.auth("staff")
    )
    assert closed.json()["state"] == "closed"
    listed = await client.get(f"{API}/contact-requests", headers=world.auth("staff"))
    assert [c["id"] for c in listed.json()["items"]] == [request_id]


async def test_contact_requests_are_rate_limited_per_address(app: FastAPI, world: World) -> None:
    url = f"{API}/members/{world.member_id}/contact-requests"
    body = {"text": "咨询", "contact": "138"}
    async with client_from(app) as sender, client_from(app) as neighbour:
        for _ in range(5):
            assert (await sender.post(url, json=body)).status_code == 201
        limited = await sender.post(url, json=body)
        problem = assert_problem(limited, 429, "rate_limited")
        assert limited.headers["retry-after"] == "3600" and problem["status"] == 429
        assert (await neighbour.post(url, json=body)).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"text": "x" * 2001, "contact": "138"},
        {"text": "ok", "contact": "x" * 201},
        {"text": " ", "contact": "138"},
        {"text": "ok"},
        {"text": "ok", "contact": "138", "phone": "x"},
    ],
)
async def test_contact_request_input_is_limited(
    app: FastAPI, world: World, body: dict[str, Any]
) -> None:
    async with client_from(app) as sender:
        response = await sender.post(f"{API}/members/{world.member_id}/contact-requests", json=body)
    assert_problem(response, 422, "validation_error")


async def test_service_activities_by_convener_and_office(
    client: httpx.AsyncClient, world: World, other_world: World, engine: AsyncEngine
) -> None:
    mine = await make_studio(client, world, CENTRE, convener_member_id=str(world.member_id))
    theirs = await make_studio(client, world, CENTRE)
    body = {
        "kind": "featured_service",
        "title": "义诊进社区",
        "studio_id": mine["id"],
        "held_on": "2023-06-10",
        "member_ids": [str(world.member_id)],
        "public_reach": 120,
    }
    created = await client.post(
        f"{API}/service-activities", json=body, headers=world.auth("member")
    )
    assert created.status_code == 201, created.text
    assert created.json()["member_ids"] == [str(world.member_id)]
    assert await event_types(engine, created.json()["id"]) == ["service_activity.created"]
    for refused_body in ({**body, "studio_id": theirs["id"]}, {**body, "studio_id": None}):
        refused = await client.post(
            f"{API}/service-activities", json=refused_body, headers=world.auth("member")
        )
        assert_problem(refused, 403, "forbidden")
    week = {**body, "kind": "sector_service_week", "studio_id": None, "public_reach": 300}
    assert (
        await client.post(f"{API}/service-activities", json=week, headers=world.auth("staff"))
    ).status_code == 201
    for bad in (
        {**body, "public_reach": -1},
        {**body, "kind": "banquet"},
        {**body, "held_on": "2023-13-01"},
        {**body, "member_ids": [str(other_world.member_id)]},
    ):
        response = await client.post(
            f"{API}/service-activities", json=bad, headers=world.auth("staff")
        )
        assert_problem(response, 422, "validation_error")
    assert_problem(
        await client.post(f"{API}/service-activities", json=week, headers=world.auth("auditor")),
        403,
        "forbidden",
    )
    listed = await client.get(
        f"{API}/service-activities", params={"studio_id": mine["id"]}, headers=world.auth("auditor")
    )
    assert [a["title"] for a in listed.json()["items"]] == ["义诊进社区"]
    item = f"{API}/service-activities/{created.json()['id']}"
    assert_problem(await client.get(item, headers=other_world.auth("staff")), 404, "not_found")
    patched = await client.patch(item, json={"public_reach": 150}, headers=world.auth("member"))
    assert patched.status_code == 200 and patched.json()["public_reach"] == 150
    assert (await client.delete(item, headers=world.auth("staff"))).status_code == 204
