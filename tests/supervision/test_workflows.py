"""Every edge of the supervision_case machine, allowed and refused, for every role: a role that
may never take an action is refused with 403 whatever the state, one that may take it but not
from this state with 409 naming the state and what it may do."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.supervision.conftest import CASES, act, event_types, reach, run_worker

pytestmark = pytest.mark.asyncio

ACTIONS = ("start", "report", "feedback", "evaluate", "decide", "withdraw")
MOVERS = ("staff", "leader", "department")
NO_MOVES: dict[str, list[str]] = {"staff": [], "leader": [], "department": []}
# The actions each role may take from some state (domain.md §3.1).
MAY = {
    "staff": ("start", "report", "evaluate"),
    "leader": ("decide", "withdraw"),
    "department": ("feedback",),
}

# What each role may do in each state (the order is the machine's).
ALLOWED: dict[str, dict[str, list[str]]] = {
    "draft": {"staff": ["start"], "leader": ["withdraw"], "department": []},
    "supervising": {"staff": ["report"], "leader": ["withdraw"], "department": []},
    "awaiting_feedback": {"staff": [], "leader": ["withdraw"], "department": ["feedback"]},
    "awaiting_evaluation": {"staff": ["evaluate"], "leader": ["withdraw"], "department": []},
    "evaluated": {"staff": [], "leader": ["withdraw"], "department": []},
    "escalated": {"staff": [], "leader": ["decide", "withdraw"], "department": []},
    "closed": NO_MOVES,
    "withdrawn": NO_MOVES,
}


@pytest.mark.parametrize("state", list(ALLOWED))
async def test_refused_edges_name_the_allowed_actions(
    client: httpx.AsyncClient, world: World, other_world: World, engine: AsyncEngine, state: str
) -> None:
    case = await reach(client, world, engine, state, max_rounds=1)
    for role in MOVERS:
        for action in ACTIONS:
            if action in ALLOWED[state][role]:
                continue
            response = await act(client, world, role, case["id"], action)
            if action not in MAY[role]:
                assert_problem(response, 403, "forbidden")
                continue
            body = assert_problem(response, 409, "invalid_transition")
            assert body["state"] == state
            assert body["allowed_actions"] == ALLOWED[state][role], (role, action)
    for role in ("member", "auditor", "admin"):
        for action in ACTIONS:
            assert_problem(await act(client, world, role, case["id"], action), 403, "forbidden")
    # Another department, another organisation: the case does not exist for them.
    for action in ACTIONS:
        assert_problem(
            await act(client, world, "department2", case["id"], action), 404, "not_found"
        )
        assert_problem(
            await act(client, other_world, "staff", case["id"], action), 404, "not_found"
        )
    after = (await client.get(f"{CASES}/{case['id']}", headers=world.auth("staff"))).json()
    assert after["version"] == case["version"]  # nothing refused changed anything


EDGES = [
    ("draft", "staff", "start", {}, "supervising"),
    ("draft", "leader", "withdraw", {}, "withdrawn"),
    ("supervising", "staff", "report", {}, "awaiting_feedback"),
    ("supervising", "leader", "withdraw", {}, "withdrawn"),
    ("awaiting_feedback", "department", "feedback", {}, "awaiting_feedback"),
    ("awaiting_feedback", "leader", "withdraw", {}, "withdrawn"),
    ("awaiting_evaluation", "staff", "evaluate", {"rating": "satisfied"}, "evaluated"),
    ("awaiting_evaluation", "leader", "withdraw", {}, "withdrawn"),
    ("evaluated", "leader", "withdraw", {}, "withdrawn"),
    ("escalated", "leader", "decide", {"outcome": "close"}, "closed"),
    ("escalated", "leader", "decide", {"outcome": "rework"}, "awaiting_feedback"),
    ("escalated", "leader", "withdraw", {}, "withdrawn"),
]

EVENTS = {
    "start": "started",
    "report": "reported",
    "feedback": "feedback_submitted",
    "evaluate": "evaluated",
    "withdraw": "withdrawn",
}


@pytest.mark.parametrize(("state", "role", "action", "fields", "target"), EDGES)
async def test_allowed_edges(
    client: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    state: str,
    role: str,
    action: str,
    fields: dict[str, str],
    target: str,
) -> None:
    case = await reach(client, world, engine, state, max_rounds=1)
    response = await act(client, world, role, case["id"], action, **fields)
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["state"] == target
    assert response.headers["etag"] == f'"{moved["version"]}"'
    assert moved["version"] > case["version"]
    event = EVENTS.get(action) or ("closed" if target == "closed" else "reworked")
    assert (await event_types(engine, case["id"]))[-1] == f"supervision_case.{event}"
    if action == "report":
        assert moved["feedback_due_at"] is not None
    if action == "decide" and target == "awaiting_feedback":
        assert moved["round"] == 2 and moved["overdue"] is False
    timeline = (
        await client.get(f"{CASES}/{case['id']}/timeline", headers=world.auth("staff"))
    ).json()
    assert timeline[-1]["action"] == action
    assert (timeline[-1]["from"], timeline[-1]["to"]) == (state, target)


async def test_automatic_moves_are_not_open_to_people(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "evaluated", max_rounds=1)
    for action in ("all_answered", "close", "rework", "escalate", "activate"):
        response = await client.post(
            f"{CASES}/{case['id']}/transitions",
            json={"action": action},
            headers=world.auth("staff"),
        )
        assert_problem(response, 422, "validation_error")


async def test_bad_action_bodies_are_422(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "awaiting_evaluation")
    bad = [
        {"action": "evaluate", "rating": "great"},
        {"action": "evaluate"},
        {"action": "decide", "outcome": "maybe"},
        {"action": "feedback", "text": "x", "completion": "someday"},
        {"action": "start", "surprise": 1},
        {},
        [],
    ]
    for body in bad:
        response = await client.post(
            f"{CASES}/{case['id']}/transitions", json=body, headers=world.auth("staff")
        )
        assert_problem(response, 422, "validation_error")


async def test_worker_moves_are_system_moves_on_the_timeline(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "awaiting_evaluation")
    await run_worker(engine)
    timeline = (
        await client.get(f"{CASES}/{case['id']}/timeline", headers=world.auth("auditor"))
    ).json()
    answered = [e for e in timeline if e["action"] == "all_answered"]
    assert len(answered) == 1
    assert answered[0]["actor"] == "system" and answered[0]["actor_role"] == "system"
    assert (answered[0]["from"], answered[0]["to"]) == ("awaiting_feedback", "awaiting_evaluation")
