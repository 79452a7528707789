"""Factories for the supervision tests: topics, cases, moves, and running the worker."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.worker import jobs
from shared.db import make_sessionmaker
from shared.events import Event
from shared.supervision.models import SupervisionCase
from tests.conftest import World

TOPICS = "/api/v1/supervision-topics"
CASES = "/api/v1/supervision-cases"

ACTION_BODIES: dict[str, dict[str, Any]] = {
    "start": {},
    "report": {},
    "feedback": {"text": "已制定整改方案", "measures": "专项整治", "completion": "in_progress"},
    "evaluate": {"rating": "satisfied", "comment": "满意"},
    "decide": {"outcome": "close"},
    "withdraw": {},
}


async def make_topic(client: httpx.AsyncClient, world: World, **fields: Any) -> dict[str, Any]:
    body = {
        "year": 2023,
        "title": "城乡垃圾分类专项监督",
        "department_ids": [str(d) for d in world.departments],
        **fields,
    }
    response = await client.post(TOPICS, json=body, headers=world.auth("staff"))
    assert response.status_code == 201, response.text
    return response.json()


async def make_case(
    client: httpx.AsyncClient,
    world: World,
    topic: dict[str, Any] | None = None,
    departments: list[uuid.UUID] | None = None,
) -> dict[str, Any]:
    topic = topic or await make_topic(client, world)
    body = {
        "topic_id": topic["id"],
        "title": "农村生活垃圾收运不及时",
        "issue": "部分村社垃圾清运频次不足",
        "recommendation": "增加清运班次，建立考核机制",
        "department_ids": [str(d) for d in (departments or world.departments[:1])],
    }
    response = await client.post(CASES, json=body, headers=world.auth("staff"))
    assert response.status_code == 201, response.text
    return response.json()


async def act(
    client: httpx.AsyncClient,
    world: World,
    role: str,
    case_id: str,
    action: str,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> httpx.Response:
    body = {"action": action, **ACTION_BODIES[action], **fields}
    return await client.post(
        f"{CASES}/{case_id}/transitions",
        json=body,
        headers={**world.auth(role), **(headers or {})},
    )


async def ok(
    client: httpx.AsyncClient, world: World, role: str, case_id: str, action: str, **fields: Any
) -> dict[str, Any]:
    response = await act(client, world, role, case_id, action, **fields)
    assert response.status_code == 200, response.text
    return response.json()


async def run_worker(engine: AsyncEngine) -> int:
    """Sweep until the database says nothing is waiting (automatic moves cause more events)."""
    total = 0
    sessionmaker = make_sessionmaker(engine)
    while done := await jobs.sweep(sessionmaker, None):
        total += done
    return total


async def case_row(engine: AsyncEngine, case_id: str) -> SupervisionCase:
    async with make_sessionmaker(engine)() as session:
        return await session.get_one(SupervisionCase, uuid.UUID(case_id))


async def event_types(engine: AsyncEngine, subject_id: str) -> list[str]:
    async with make_sessionmaker(engine)() as session:
        rows = await session.scalars(
            select(Event.type)
            .where(Event.subject_id == uuid.UUID(subject_id))
            .order_by(Event.sequence)
        )
        return list(rows.all())


async def count_events(engine: AsyncEngine, subject_id: str, type_: str) -> int:
    async with make_sessionmaker(engine)() as session:
        found = await session.scalar(
            select(func.count()).where(
                Event.subject_id == uuid.UUID(subject_id), Event.type == type_
            )
        )
        return found or 0


async def reach(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, state: str, **topic: Any
) -> dict[str, Any]:
    """A fresh case (one department) driven to ``state`` through the API and the worker."""
    case = await make_case(client, world, await make_topic(client, world, **topic))
    cid = case["id"]
    path = {
        "draft": [],
        "supervising": [("staff", "start", {})],
        "awaiting_feedback": [("staff", "start", {}), ("staff", "report", {})],
        "awaiting_evaluation": [
            ("staff", "start", {}),
            ("staff", "report", {}),
            ("department", "feedback", {}),
        ],
        "evaluated": [
            ("staff", "start", {}),
            ("staff", "report", {}),
            ("department", "feedback", {}),
            ("staff", "evaluate", {"rating": "unsatisfied"}),
        ],
    }
    if state in ("escalated", "closed", "withdrawn"):
        steps = path["evaluated"] if state != "withdrawn" else []
    else:
        steps = path[state]
    for role, action, fields in steps:
        if action == "evaluate":
            await run_worker(engine)
        await ok(client, world, role, cid, action, **fields)
    if state == "escalated":
        await run_worker(engine)  # max_rounds must be 1 for this
    if state == "closed":
        await run_worker(engine)  # unsatisfied at max_rounds 1 → escalated
        await ok(client, world, "leader", cid, "decide", outcome="close")
    if state == "withdrawn":
        await ok(client, world, "leader", cid, "withdraw")
    if state == "awaiting_evaluation":
        await run_worker(engine)
    current = (await client.get(f"{CASES}/{cid}", headers=world.auth("staff"))).json()
    assert current["state"] == state, current
    return current
