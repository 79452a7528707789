"""The closed loop driven through HTTP with the worker's jobs, and the timers on a moved clock."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import clock
from shared.db import make_sessionmaker
from shared.events import Event
from shared.timers import Timer
from tests.conftest import World
from tests.supervision.conftest import (
    CASES,
    TOPICS,
    event_types,
    make_case,
    make_topic,
    ok,
    run_worker,
)

pytestmark = pytest.mark.asyncio


async def get(client: httpx.AsyncClient, world: World, url: str) -> Any:
    response = await client.get(url, headers=world.auth("staff"))
    assert response.status_code == 200, response.text
    return response.json()


async def answer_all(client: httpx.AsyncClient, world: World, case_id: str) -> None:
    await ok(client, world, "department", case_id, "feedback", completion="in_progress")
    await ok(client, world, "department2", case_id, "feedback", completion="done")


async def test_full_loop_two_departments_rework_and_escalation(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    topic = await make_topic(client, world, follow_up_after=None)
    case = await make_case(client, world, topic, departments=world.departments)
    cid, url = case["id"], f"{CASES}/{case['id']}"
    await ok(client, world, "staff", cid, "start")
    await run_worker(engine)
    assert (await get(client, world, f"{TOPICS}/{topic['id']}"))["state"] == "active"
    reported = await ok(client, world, "staff", cid, "report")
    assert reported["feedback_due_at"] is not None

    await ok(client, world, "department", cid, "feedback")
    await run_worker(engine)
    assert (await get(client, world, url))["state"] == "awaiting_feedback"  # one still missing
    await ok(client, world, "department2", cid, "feedback")
    await run_worker(engine)
    assert (await get(client, world, url))["state"] == "awaiting_evaluation"

    await ok(client, world, "staff", cid, "evaluate", rating="unsatisfied")
    await run_worker(engine)
    second = await get(client, world, url)
    assert (second["state"], second["round"]) == ("awaiting_feedback", 2)
    assert second["feedback_due_at"] > reported["feedback_due_at"]

    await answer_all(client, world, cid)
    await run_worker(engine)
    await ok(client, world, "staff", cid, "evaluate", rating="unsatisfied")
    await run_worker(engine)
    assert (await get(client, world, url))["state"] == "escalated"  # round 2 = max_rounds

    third = await ok(client, world, "leader", cid, "decide", outcome="rework", comment="再办一轮")
    assert (third["state"], third["round"]) == ("awaiting_feedback", 3)
    await answer_all(client, world, cid)
    await run_worker(engine)
    await ok(client, world, "staff", cid, "evaluate", rating="satisfied")
    await run_worker(engine)
    assert (await get(client, world, url))["state"] == "closed"
    assert (await get(client, world, f"{TOPICS}/{topic['id']}"))["state"] == "concluded"

    types = [t.removeprefix("supervision_case.") for t in await event_types(engine, cid)]
    assert types == [
        "created", "started", "reported",
        "feedback_submitted", "feedback_submitted", "awaiting_evaluation", "evaluated", "reworked",
        "feedback_submitted", "feedback_submitted", "awaiting_evaluation", "evaluated", "escalated",
        "reworked",
        "feedback_submitted", "feedback_submitted", "awaiting_evaluation", "evaluated", "closed",
    ]  # fmt: skip
    async with make_sessionmaker(engine)() as session:
        events = list(
            (
                await session.scalars(
                    select(Event).where(Event.subject_id == uuid.UUID(cid)).order_by(Event.sequence)
                )
            ).all()
        )
    assert [e.data["sequence"] for e in events] == list(range(1, len(types) + 1))
    assert events[-1].data["state"] == "closed" and events[-1].data["id"] == cid
    timeline = await get(client, world, f"{url}/timeline")
    system_moves = [e["action"] for e in timeline if e["actor"] == "system"]
    assert system_moves == [
        "all_answered",
        "rework",
        "all_answered",
        "escalate",
        "all_answered",
        "close",
    ]
    feedback = (await get(client, world, f"{url}/feedback?limit=100"))["items"]
    assert sorted((f["round"], f["department_id"]) for f in feedback) == sorted(
        (r, str(d)) for r in (1, 2, 3) for d in world.departments
    )
    topic_moves = await get(client, world, f"{TOPICS}/{topic['id']}/timeline")
    assert [e["action"] for e in topic_moves] == ["created", "activate", "conclude"]
    assert [e["actor"] for e in topic_moves[1:]] == ["system", "system"]
    topic_events = await event_types(engine, topic["id"])
    assert topic_events == ["supervision_topic.activated", "supervision_topic.concluded"]


async def set_ladder(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        "/api/v1/organisation/settings",
        json={
            "reminder_before": "PT50S",
            "escalation_after": ["PT100S", "PT200S", "PT300S"],
            "evaluation_reminder_after": "PT30S",
        },
        headers=world.auth("admin"),
    )
    assert response.status_code == 200, response.text


async def test_timers_walk_reminder_overdue_escalations_and_follow_up(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    await set_ladder(client, world)
    topic = await make_topic(client, world, feedback_window="PT100S", follow_up_after="PT500S")
    case = await make_case(client, world, topic)
    cid, url = case["id"], f"{CASES}/{case['id']}"
    await ok(client, world, "staff", cid, "start")
    await ok(client, world, "staff", cid, "report")
    await run_worker(engine)

    async def after(seconds: int) -> dict[str, Any]:
        clock.advance(timedelta(seconds=seconds))
        await run_worker(engine)
        return await get(client, world, url)

    assert (await event_types(engine, cid))[-1] == "supervision_case.reported"
    await after(60)  # due − 50 s: the reminder
    assert (await event_types(engine, cid))[-1] == "supervision_case.reminder"
    assert (await after(50))["overdue"] is True  # at due
    assert (await event_types(engine, cid))[-1] == "supervision_case.overdue"
    for level, step in ((1, 100), (2, 100), (3, 100)):
        current = await after(step)
        assert (current["escalation_level"], current["state"]) == (level, "awaiting_feedback")
    overdue = await get(client, world, f"{CASES}?overdue=true&topic_id={topic['id']}")
    assert [c["id"] for c in overdue["items"]] == [cid]

    await ok(client, world, "department", cid, "feedback", completion="cannot")
    await run_worker(engine)
    await after(40)  # the evaluation reminder
    await ok(client, world, "staff", cid, "evaluate", rating="satisfied")
    await run_worker(engine)
    assert (await get(client, world, url))["state"] == "closed"
    await after(510)  # 回头看
    follow_ups = await get(client, world, f"{CASES}?topic_id={topic['id']}&state=draft")
    [follow_up] = follow_ups["items"]
    assert follow_up["follow_up_of_id"] == cid
    assert follow_up["department_ids"] == case["department_ids"]
    assert follow_up["round"] == 1 and follow_up["overdue"] is False

    types = [t.removeprefix("supervision_case.") for t in await event_types(engine, cid)]
    assert types[2:] == [
        "reported", "reminder", "overdue",
        "escalation_raised", "escalation_raised", "escalation_raised",
        "feedback_submitted", "awaiting_evaluation", "reminder", "evaluated", "closed",
        "follow_up_created",
    ]  # fmt: skip
    timeline = [e["action"] for e in await get(client, world, f"{url}/timeline")]
    for mark in ("reminder", "overdue", "escalation_raised", "follow_up_created"):
        assert mark in timeline
    await after(1000)  # nothing fires twice, and no second follow-up appears
    assert len((await get(client, world, f"{CASES}?topic_id={topic['id']}"))["items"]) == 2
    assert (await event_types(engine, cid))[-1] == "supervision_case.follow_up_created"


async def test_timers_of_a_case_that_moved_on_are_voided(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    await set_ladder(client, world)
    topic = await make_topic(client, world, feedback_window="PT100S")
    case = await make_case(client, world, topic)
    await ok(client, world, "staff", case["id"], "start")
    await ok(client, world, "staff", case["id"], "report")
    await ok(client, world, "department", case["id"], "feedback")
    await run_worker(engine)  # → awaiting_evaluation: the feedback ladder is voided
    await ok(client, world, "leader", case["id"], "withdraw")
    clock.advance(timedelta(days=30))
    await run_worker(engine)
    async with make_sessionmaker(engine)() as session:
        states = set(
            (
                await session.scalars(
                    select(Timer.state).where(Timer.subject_id == uuid.UUID(case["id"]))
                )
            ).all()
        )
    assert states == {"voided"}
    types = await event_types(engine, case["id"])
    assert not {"supervision_case.overdue", "supervision_case.reminder"} & set(types)
    assert (await get(client, world, f"{CASES}/{case['id']}"))["overdue"] is False
