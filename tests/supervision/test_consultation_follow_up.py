"""Contexts talking through events: 先协商后监督. A supervision topic that follows up a
consultation becomes active when the consultation context says, by its event, that the
consultation concluded; the supervision context never reads the consultation's rows."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.worker import jobs
from shared.automation import EVENT_HANDLERS
from shared.db import make_sessionmaker
from shared.events import Event
from shared.supervision.automations import follow_up_concluded_consultation
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.consultation.conftest import held_consultation, move
from tests.supervision.conftest import TOPICS, count_events, make_topic


async def _sweep(engine: AsyncEngine) -> None:
    sessionmaker = make_sessionmaker(engine)
    while await jobs.sweep(sessionmaker, None):
        pass


async def _topic(client: httpx.AsyncClient, world: World, topic_id: str) -> dict[str, object]:
    response = await client.get(f"{TOPICS}/{topic_id}", headers=world.auth("staff"))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_topic_following_a_consultation_opens_when_it_concludes(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    consultation = await held_consultation(client, world)
    topic = await make_topic(client, world, kind="follow_up", consultation_id=consultation["id"])
    assert topic["consultation_id"] == consultation["id"] and topic["state"] == "planned"
    unrelated = await make_topic(client, world)
    await _sweep(engine)
    assert (await _topic(client, world, topic["id"]))["state"] == "planned"  # still consulting

    concluded = await move(client, world, "consultations", consultation["id"], "conclude")
    assert concluded.status_code == 200, concluded.text
    await _sweep(engine)

    assert (await _topic(client, world, topic["id"]))["state"] == "active"
    assert (await _topic(client, world, unrelated["id"]))["state"] == "planned"
    timeline = (
        await client.get(f"{TOPICS}/{topic['id']}/timeline", headers=world.auth("auditor"))
    ).json()
    assert [(e["action"], e["from"], e["to"], e["actor_role"]) for e in timeline] == [
        ("created", None, "planned", "staff"),
        ("activate", "planned", "active", "system"),
    ]


async def test_a_replayed_conclusion_changes_nothing(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    consultation = await held_consultation(client, world)
    topic = await make_topic(client, world, consultation_id=consultation["id"])
    await move(client, world, "consultations", consultation["id"], "conclude")
    await _sweep(engine)
    # The same event handed to its automations again (a redelivery after a lost commit reply).
    async with make_sessionmaker(engine)() as session:
        event = await session.scalar(
            select(Event).where(
                Event.subject_id == uuid.UUID(consultation["id"]),
                Event.type == "consultation.concluded",
            )
        )
        assert event is not None
        assert follow_up_concluded_consultation in EVENT_HANDLERS[event.type]
        for handler in EVENT_HANDLERS[event.type]:
            await handler(session, event)
        await session.commit()
    await _sweep(engine)
    assert await count_events(engine, topic["id"], "supervision_topic.activated") == 1
    assert (await _topic(client, world, topic["id"]))["state"] == "active"


async def test_a_topic_follows_only_its_own_organisations_consultation(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    foreign = await held_consultation(client, other_world)
    response = await client.post(
        TOPICS,
        json={
            "year": 2023,
            "title": "回头看",
            "department_ids": [str(world.departments[0])],
            "consultation_id": foreign["id"],
        },
        headers=world.auth("staff"),
    )
    assert_problem(response, 422, "validation_error")
