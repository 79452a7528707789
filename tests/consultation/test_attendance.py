"""Attendance: members and experts sign in only themselves, only while the session is scheduled
or held; staff record anyone; a second record of the same person is a conflict."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import make_sessionmaker
from shared.org import commands
from shared.org.models import Member
from tests.conftest import World
from tests.consultation.conftest import (
    API,
    expert_login,
    move,
    new_consultation,
    ok,
    problem,
)

pytestmark = pytest.mark.asyncio

WHEN = "2023-06-10T14:00:00+08:00"


async def _scheduled(client: httpx.AsyncClient, world: World) -> str:
    cid: str = (await new_consultation(client, world, scheduled_at=WHEN, venue="湾底村文化礼堂"))[
        "id"
    ]
    ok(await move(client, world, "consultations", cid, "schedule"))
    return cid


async def test_member_signs_in_only_themselves_while_open(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    planned = (await new_consultation(client, world))["id"]
    path = f"{API}/consultations/{planned}/attendances"
    problem(await client.post(path, json={}, headers=world.auth("member")), 409, "conflict")
    cid = await _scheduled(client, world)
    path = f"{API}/consultations/{cid}/attendances"
    async with make_sessionmaker(engine)() as session:
        other = await commands.create(session, world.actors["admin"], Member, {"name": "王委员"})
        await session.commit()
    problem(
        await client.post(path, json={"member_id": str(other.id)}, headers=world.auth("member")),
        403,
        "forbidden",
    )
    mine = ok(await client.post(path, json={}, headers=world.auth("member")), 201)
    assert mine["member_id"] == str(world.member_id)
    problem(
        await client.post(
            path, json={"member_id": str(world.member_id)}, headers=world.auth("member")
        ),
        409,
        "conflict",
    )
    # staff record anyone, also after the session
    ok(await move(client, world, "consultations", cid, "hold", public_participants=12))
    ok(await move(client, world, "consultations", cid, "conclude"))
    problem(await client.post(path, json={}, headers=world.auth("member")), 409, "conflict")
    ok(await client.post(path, json={"member_id": str(other.id)}, headers=world.auth("staff")), 201)
    for role in ("leader", "department", "auditor", "admin"):
        problem(
            await client.post(path, json={"member_id": str(other.id)}, headers=world.auth(role)),
            403,
            "forbidden",
        )
    page = ok(await client.get(path, headers=world.auth("leader")))
    assert {a["member_id"] for a in page["items"]} == {str(world.member_id), str(other.id)}


async def test_experts_sign_in_and_bad_attendance_input(
    client: httpx.AsyncClient, world: World, other_world: World, engine: AsyncEngine
) -> None:
    expert_id, expert = await expert_login(engine, world)
    cid = await _scheduled(client, world)
    path = f"{API}/consultations/{cid}/attendances"
    body = ok(await client.post(path, json={}, headers=expert), 201)
    assert body["expert_id"] == str(expert_id) and body["member_id"] is None
    problem(
        await client.post(path, json={"member_id": str(world.member_id)}, headers=expert),
        403,
        "forbidden",
    )
    problem(
        await client.post(path, json={"expert_id": str(expert_id)}, headers=world.auth("staff")),
        409,
        "conflict",
    )
    problem(await client.post(path, json={}, headers=world.auth("staff")), 422, "validation_error")
    problem(
        await client.post(
            path,
            json={"member_id": str(world.member_id), "expert_id": str(expert_id)},
            headers=world.auth("staff"),
        ),
        422,
        "validation_error",
    )
    problem(
        await client.post(
            path, json={"member_id": str(other_world.member_id)}, headers=world.auth("staff")
        ),
        422,
        "validation_error",
    )
    problem(await client.post(path, json={}, headers=other_world.auth("member")), 404, "not_found")
