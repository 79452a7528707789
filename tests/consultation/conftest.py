"""Factories for the consultation tests: plain async functions over the HTTP API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.auth import issue_token
from shared.db import make_sessionmaker
from shared.org import commands
from shared.org.models import Expert, Region
from tests.conftest import PASSWORD, World

API = "/api/v1"


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def platform_id(client: httpx.AsyncClient, world: World, name: str = "请你来协商") -> str:
    page = ok(await client.get(f"{API}/platforms?limit=100", headers=world.auth("staff")))
    return next(p["id"] for p in page["items"] if p["name"] == name)


async def new_consultation(
    client: httpx.AsyncClient, world: World, **fields: Any
) -> dict[str, Any]:
    body = {
        "title": "打造一流营商环境 共促二产提质增效",
        "topic": "请你来协商·鄞商大家说",
        "platform_id": fields.pop("platform_id", None) or await platform_id(client, world),
        **fields,
    }
    return ok(
        await client.post(f"{API}/consultations", json=body, headers=world.auth("staff")), 201
    )


async def move(
    client: httpx.AsyncClient,
    world: World,
    collection: str,
    object_id: str,
    action: str,
    role: str = "staff",
    **fields: Any,
) -> httpx.Response:
    return await client.post(
        f"{API}/{collection}/{object_id}/transitions",
        json={"action": action, **fields},
        headers=world.auth(role),
    )


async def held_consultation(
    client: httpx.AsyncClient, world: World, **fields: Any
) -> dict[str, Any]:
    """A session that took place, as staff record it afterwards."""
    when = fields.pop("when", "2023-04-27T09:30:00+08:00")
    consultation = await new_consultation(client, world, **fields)
    cid = consultation["id"]
    ok(
        await move(
            client,
            world,
            "consultations",
            cid,
            "schedule",
            scheduled_at=when,
            venue="区行政中心",
        )
    )
    return ok(await move(client, world, "consultations", cid, "hold", public_participants=30))


async def new_suggestion(
    client: httpx.AsyncClient, world: World, consultation_id: str, content: str = "加强菜篮子改造"
) -> dict[str, Any]:
    return ok(
        await client.post(
            f"{API}/consultations/{consultation_id}/suggestions",
            json={"content": content, "proposer_kind": "public"},
            headers=world.auth("staff"),
        ),
        201,
    )


async def sweep(engine: AsyncEngine) -> None:
    """Run the real worker once over everything waiting (events, then due timers)."""
    from services.worker import jobs

    await jobs.sweep(make_sessionmaker(engine), None)


async def add_region(engine: AsyncEngine, world: World, name: str, level: str) -> uuid.UUID:
    async with make_sessionmaker(engine)() as session:
        system = world.actors["admin"]
        parent_id = None
        if level == "village":
            parent_id = await add_town(session, system)
        region = await commands.create(
            session, system, Region, {"name": name, "level": level, "parent_id": parent_id}
        )
        await session.commit()
        return region.id


async def add_town(session: Any, actor: Any) -> uuid.UUID:
    town = await commands.create(
        session, actor, Region, {"name": f"镇 {uuid.uuid4().hex[:6]}", "level": "town"}
    )
    return town.id


async def expert_login(engine: AsyncEngine, world: World) -> tuple[uuid.UUID, dict[str, str]]:
    """An expert (专家) with a login, which the shared world fixture does not have."""
    async with make_sessionmaker(engine)() as session:
        admin = world.actors["admin"]
        expert = await commands.create(session, admin, Expert, {"name": "李专家", "field": "经济"})
        user = await commands.create_user(
            session,
            admin,
            {
                "username": f"expert-{uuid.uuid4().hex[:8]}",
                "password": PASSWORD,
                "role": "expert",
                "display_name": "李专家",
                "expert_id": expert.id,
            },
        )
        await session.commit()
    token = issue_token(
        world.settings.secret,
        user_id=user.id,
        kind="access",
        ttl=world.settings.access_token_ttl,
        org=str(world.organisation_id),
        role="expert",
        name="李专家",
        exp_id=str(expert.id),
    )
    return expert.id, {"Authorization": f"Bearer {token}"}
