"""Factories for the proposal tests: more members with logins, proposals, moves."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.auth import Actor, Role
from shared.db import make_sessionmaker
from shared.org import commands
from shared.org.models import Member
from tests.conftest import PASSWORD, World

PROPOSALS = "/api/v1/proposals"

ACTION_BODIES: dict[str, dict[str, Any]] = {
    "submit": {},
    "return_for_edit": {},
    "file": {},
    "reject": {"reason": "属于具体事务，不宜作为提案", "conversion": "social_information"},
    "withdraw": {},
}


async def add_member(engine: AsyncEngine, world: World, key: str, name: str) -> str:
    """Another member with a login in ``world``, under ``key`` (``world.auth(key)``)."""
    async with make_sessionmaker(engine)() as session:
        system = Actor.system(world.organisation_id)
        member = await commands.create(session, system, Member, {"name": name})
        username = f"{key}-{uuid.uuid4().hex[:12]}"
        user = await commands.create_user(
            session,
            system,
            {
                "username": username,
                "password": PASSWORD,
                "role": "member",
                "display_name": name,
                "member_id": member.id,
            },
        )
        await session.commit()
    world.users[key] = user.id
    world.usernames[key] = username
    world.actors[key] = Actor(
        id=user.id,
        organisation_id=world.organisation_id,
        role=Role.member,
        label=name,
        member_id=member.id,
    )
    return str(member.id)


def draft_body(**fields: Any) -> dict[str, Any]:
    return {
        "title": "关于加快农村生活污水治理的建议",
        "body": "部分村社污水管网覆盖不足，建议统筹推进。",
        "category": "urban_rural",
        **fields,
    }


async def make_proposal(
    client: httpx.AsyncClient, world: World, role: str = "member", **fields: Any
) -> dict[str, Any]:
    response = await client.post(PROPOSALS, json=draft_body(**fields), headers=world.auth(role))
    assert response.status_code == 201, response.text
    return response.json()


async def act(
    client: httpx.AsyncClient, world: World, role: str, proposal_id: str, action: str, **fields: Any
) -> httpx.Response:
    body = {"action": action, **ACTION_BODIES.get(action, {}), **fields}
    return await client.post(
        f"{PROPOSALS}/{proposal_id}/transitions", json=body, headers=world.auth(role)
    )


async def ok(
    client: httpx.AsyncClient, world: World, role: str, proposal_id: str, action: str, **fields: Any
) -> dict[str, Any]:
    response = await act(client, world, role, proposal_id, action, **fields)
    assert response.status_code == 200, response.text
    return response.json()


async def filed(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """A member's proposal, submitted and filed."""
    proposal = await make_proposal(client, world)
    await ok(client, world, "member", proposal["id"], "submit")
    return await ok(client, world, "staff", proposal["id"], "file")


ASSIGNMENTS = "/api/v1/proposal-assignments"

ASSIGNMENT_BODIES: dict[str, dict[str, Any]] = {
    "request_return": {"reason": "不属于本单位职责"},
    "submit_opinion": {"text": "协办意见：建议纳入年度计划"},
    "reply": {"class": "A", "text": "已解决", "doc_number": "区住建函〔2023〕12号"},
}


async def assignment_act(
    client: httpx.AsyncClient,
    world: World,
    role: str,
    assignment_id: str,
    action: str,
    **fields: Any,
) -> httpx.Response:
    body = {"action": action, **ASSIGNMENT_BODIES.get(action, {}), **fields}
    return await client.post(
        f"{ASSIGNMENTS}/{assignment_id}/transitions", json=body, headers=world.auth(role)
    )


async def assignment_ok(
    client: httpx.AsyncClient,
    world: World,
    role: str,
    assignment_id: str,
    action: str,
    **fields: Any,
) -> dict[str, Any]:
    response = await assignment_act(client, world, role, assignment_id, action, **fields)
    assert response.status_code == 200, response.text
    return response.json()


async def assigned(
    client: httpx.AsyncClient, world: World, co: bool = True
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """A filed proposal assigned to department (lead) and department2 (co-handler, if ``co``):
    the proposal and the two assignments."""
    proposal = await filed(client, world)
    lead, other = world.departments
    fields = {"lead_department_id": str(lead), "co_department_ids": [str(other)] if co else []}
    proposal = await ok(client, world, "staff", proposal["id"], "assign", **fields)
    listed = await client.get(
        ASSIGNMENTS, params={"proposal_id": proposal["id"]}, headers=world.auth("staff")
    )
    by_role = {a["role"]: a for a in listed.json()["items"]}
    return proposal, by_role["lead"], by_role.get("co")


async def current(client: httpx.AsyncClient, world: World, proposal_id: str) -> dict[str, Any]:
    response = await client.get(f"{PROPOSALS}/{proposal_id}", headers=world.auth("staff"))
    assert response.status_code == 200, response.text
    return response.json()
