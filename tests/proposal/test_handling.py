"""Assignment and handling: units accept, return, give opinions, ask for time and reply; the
worker moves the proposal (handling, replied, closed | another round | escalated)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import clock
from shared.automation import EVENT_HANDLERS
from shared.db import make_sessionmaker
from shared.events import Event
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.proposal.conftest import (
    ASSIGNMENTS,
    PROPOSALS,
    act,
    add_member,
    assigned,
    assignment_ok,
    current,
    filed,
    make_proposal,
    ok,
)
from tests.supervision.conftest import event_types, run_worker

pytestmark = pytest.mark.asyncio


async def test_the_whole_loop_to_closed(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    proposal, lead, co = await assigned(client, world)
    assert co is not None
    pid = proposal["id"]
    assert proposal["state"] == "assigned" and proposal["reply_due_at"] is not None
    assert lead["reply_due_at"] == proposal["reply_due_at"] and lead["state"] == "assigned"
    assert co["opinion_due_at"] is not None and co["reply_due_at"] is None
    # Each unit sees its own assignment, and the proposal.
    mine = await client.get(ASSIGNMENTS, headers=world.auth("department2"))
    assert [a["id"] for a in mine.json()["items"]] == [co["id"]]
    seen = await client.get(f"{PROPOSALS}/{pid}", headers=world.auth("department2"))
    assert seen.status_code == 200
    await assignment_ok(client, world, "department", lead["id"], "accept")
    await assignment_ok(client, world, "department2", co["id"], "accept")
    await run_worker(engine)
    assert (await current(client, world, pid))["state"] == "handling"
    await assignment_ok(client, world, "department2", co["id"], "submit_opinion")
    # The lead unit reads the co-handler's opinion before it replies.
    opinions = await client.get(f"{PROPOSALS}/{pid}/opinions", headers=world.auth("department"))
    assert [o["department_id"] for o in opinions.json()["items"]] == [str(world.departments[1])]
    replied = await assignment_ok(
        client, world, "department", lead["id"], "reply", face_to_face_on="2023-05-06"
    )
    assert replied["state"] == "replied"
    await run_worker(engine)
    after = await current(client, world, pid)
    assert (after["state"], after["reply_class"], after["follow_up_open"]) == (
        "replied",
        "A",
        False,
    )
    replies = await client.get(f"{PROPOSALS}/{pid}/replies", headers=world.auth("member"))
    [reply] = replies.json()["items"]
    assert (reply["class"], reply["doc_number"], reply["face_to_face_on"]) == (
        "A",
        "区住建函〔2023〕12号",
        "2023-05-06",
    )
    ratings = {"process_rating": "satisfied", "result_rating": "basically_satisfied"}
    evaluated = await ok(client, world, "member", pid, "evaluate", **ratings)
    assert evaluated["evaluation"]["on_paper"] is False
    await run_worker(engine)
    assert (await current(client, world, pid))["state"] == "closed"
    assert await event_types(engine, pid) == [
        "proposal.created",
        "proposal.submitted",
        "proposal.filed",
        "proposal.assigned",
        "proposal.handling",
        "proposal.replied",
        "proposal.evaluated",
        "proposal.closed",
    ]
    assert await event_types(engine, lead["id"]) == [
        "proposal_assignment.accepted",
        "proposal_assignment.replied",
    ]


async def _replied(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, reply_class: str = "A"
) -> tuple[str, str]:
    proposal, lead, _ = await assigned(client, world, co=False)
    await assignment_ok(client, world, "department", lead["id"], "accept")
    await assignment_ok(client, world, "department", lead["id"], "reply", **{"class": reply_class})
    await run_worker(engine)
    return proposal["id"], lead["id"]


async def test_unsatisfied_rounds_then_escalated_and_decided(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    pid, lead_id = await _replied(client, world, engine)
    unhappy = {"process_rating": "satisfied", "result_rating": "unsatisfied"}
    await ok(client, world, "member", pid, "evaluate", **unhappy)
    await run_worker(engine)
    second = await current(client, world, pid)
    assert (second["state"], second["round"]) == ("handling", 2)
    reopened = (
        await client.get(f"{ASSIGNMENTS}/{lead_id}", headers=world.auth("department"))
    ).json()
    assert (reopened["state"], reopened["round"]) == ("accepted", 2)
    await assignment_ok(client, world, "department", lead_id, "reply", **{"class": "B"})
    await run_worker(engine)
    # Staff enter the proposer's paper form; unsatisfied at max_rounds (2) escalates.
    on_paper = await ok(client, world, "staff", pid, "evaluate", on_paper=True, **unhappy)
    assert on_paper["evaluation"]["on_paper"] is True
    await run_worker(engine)
    assert (await current(client, world, pid))["state"] == "escalated"
    assert_problem(
        await act(client, world, "staff", pid, "decide", outcome="close"), 403, "forbidden"
    )
    decided = await ok(client, world, "leader", pid, "decide", outcome="close")
    assert decided["state"] == "closed"
    replies = (await client.get(f"{PROPOSALS}/{pid}/replies", headers=world.auth("staff"))).json()
    assert [(r["round"], r["class"]) for r in replies["items"]] == [(1, "A"), (2, "B")]


async def test_evaluation_rules(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    li = await add_member(engine, world, "li", "李委员")
    proposal = await make_proposal(client, world, signer_member_ids=[li])
    pid = proposal["id"]
    await client.post(
        f"{PROPOSALS}/{pid}/signatures", json={"decision": "confirm"}, headers=world.auth("li")
    )
    await ok(client, world, "member", pid, "submit")
    await ok(client, world, "staff", pid, "file")
    assert_problem(
        await act(
            client,
            world,
            "member",
            pid,
            "evaluate",
            process_rating="satisfied",
            result_rating="satisfied",
        ),
        409,
        "invalid_transition",
    )
    await ok(client, world, "staff", pid, "assign", lead_department_id=str(world.departments[0]))
    [lead] = (
        await client.get(ASSIGNMENTS, params={"proposal_id": pid}, headers=world.auth("staff"))
    ).json()["items"]
    await assignment_ok(client, world, "department", lead["id"], "accept")
    await assignment_ok(client, world, "department", lead["id"], "reply")
    await run_worker(engine)
    ratings = {"process_rating": "satisfied", "result_rating": "satisfied"}
    # A co-signer cannot evaluate; staff only on paper; a member not "on paper".
    assert_problem(await act(client, world, "li", pid, "evaluate", **ratings), 403, "forbidden")
    assert_problem(
        await act(client, world, "staff", pid, "evaluate", **ratings), 422, "validation_error"
    )
    assert_problem(
        await act(client, world, "member", pid, "evaluate", on_paper=True, **ratings),
        422,
        "validation_error",
    )
    assert_problem(
        await act(
            client,
            world,
            "member",
            pid,
            "evaluate",
            process_rating="great",
            result_rating="satisfied",
        ),
        422,
        "validation_error",
    )
    assert (await ok(client, world, "member", pid, "evaluate", **ratings))["state"] == "evaluated"


async def test_key_proposals(client: httpx.AsyncClient, world: World) -> None:
    draft = await make_proposal(client, world)
    proposal = await filed(client, world)
    leaders = {"lead_leader": "王主席", "urging_leader": "李副主席"}
    assert_problem(
        await act(client, world, "staff", proposal["id"], "mark_key", **leaders), 403, "forbidden"
    )
    assert_problem(
        await act(client, world, "leader", draft["id"], "mark_key", **leaders),
        409,
        "invalid_transition",
    )
    assert_problem(
        await act(client, world, "leader", proposal["id"], "mark_key"), 422, "validation_error"
    )
    key = await ok(client, world, "leader", proposal["id"], "mark_key", **leaders)
    assert (key["is_key"], key["lead_leader"], key["state"]) == (True, "王主席", "filed")
    listed = await client.get(PROPOSALS, params={"is_key": True}, headers=world.auth("leader"))
    assert [p["id"] for p in listed.json()["items"]] == [proposal["id"]]


async def test_follow_up_of_a_b_reply_until_the_final_reply(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    proposal, lead, co = await assigned(client, world)
    assert co is not None
    pid = proposal["id"]
    await assignment_ok(client, world, "department", lead["id"], "accept")
    await assignment_ok(client, world, "department", lead["id"], "reply", **{"class": "B"})
    await run_worker(engine)
    after = await current(client, world, pid)
    assert (after["reply_class"], after["follow_up_open"]) == ("B", True)
    follow_up_due = datetime.fromisoformat(after["follow_up_due_at"])
    final = {"class": "A", "text": "已全部解决"}
    assert_problem(
        await act(client, world, "department2", pid, "final_reply", **final), 403, "forbidden"
    )
    assert_problem(await act(client, world, "staff", pid, "final_reply", **final), 403, "forbidden")
    # The follow-up reminds when due.
    clock.advance(follow_up_due - clock.now() + timedelta(minutes=1))
    await run_worker(engine)
    assert "proposal.follow_up_due" in await event_types(engine, pid)
    done = await ok(client, world, "department", pid, "final_reply", **final)
    assert (done["reply_class"], done["follow_up_open"]) == ("A", False)
    assert_problem(
        await act(client, world, "department", pid, "final_reply", **final), 409, "conflict"
    )


async def test_overdue_ladder_and_evaluation_window(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    proposal, lead, _ = await assigned(client, world, co=False)
    pid = proposal["id"]
    due = datetime.fromisoformat(proposal["reply_due_at"]).astimezone(UTC)
    clock.advance(due - clock.now() + timedelta(minutes=1))
    await run_worker(engine)
    late = await current(client, world, pid)
    assert late["overdue"] is True
    overdue = await client.get(PROPOSALS, params={"overdue": True}, headers=world.auth("staff"))
    assert [p["id"] for p in overdue.json()["items"]] == [pid]
    assert (
        await client.get(f"{ASSIGNMENTS}/{lead['id']}", headers=world.auth("department"))
    ).json()["overdue"]
    clock.advance(timedelta(days=8))
    await run_worker(engine)
    types = await event_types(engine, pid)
    assert [
        t
        for t in types
        if t in ("proposal.reminder", "proposal.overdue", "proposal.escalation_raised")
    ] == ["proposal.reminder", "proposal.overdue", "proposal.escalation_raised"]
    await assignment_ok(client, world, "department", lead["id"], "accept")
    await assignment_ok(client, world, "department", lead["id"], "reply")
    await run_worker(engine)
    # Nobody evaluates within P30D: closed, evaluation none.
    clock.advance(timedelta(days=29))
    await run_worker(engine)
    assert (await current(client, world, pid))["state"] == "replied"
    clock.advance(timedelta(days=2))
    await run_worker(engine)
    closed = await current(client, world, pid)
    assert (closed["state"], closed["evaluation"]) == ("closed", None)
    # A replay of the timers changes nothing.
    await run_worker(engine)
    assert (await event_types(engine, pid)).count("proposal.closed") == 1


async def test_merged_signers_hear_the_targets_reply_and_a_replay_changes_nothing(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    proposal, lead, _ = await assigned(client, world, co=False)
    twin = await make_proposal(client, world)
    await ok(client, world, "member", twin["id"], "submit")
    # A filed proposal may still take a merge once the target is being handled.
    await ok(client, world, "staff", twin["id"], "merge", into_id=proposal["id"])
    await assignment_ok(client, world, "department", lead["id"], "accept")
    await assignment_ok(client, world, "department", lead["id"], "reply")
    await run_worker(engine)
    assert (await event_types(engine, twin["id"]))[-1] == "proposal.replied"
    async with make_sessionmaker(engine)() as session:
        event = await session.scalar(
            select(Event).where(
                Event.subject_id == uuid.UUID(lead["id"]),
                Event.type == "proposal_assignment.replied",
            )
        )
        assert event is not None and EVENT_HANDLERS[event.type]
        for handler in EVENT_HANDLERS[event.type]:
            await handler(session, event)
        await session.commit()
    await run_worker(engine)
    assert (await event_types(engine, proposal["id"])).count("proposal.replied") == 1
    assert (await event_types(engine, twin["id"])).count("proposal.replied") == 1
    assert (await current(client, world, proposal["id"]))["state"] == "replied"


async def test_a_new_round_carries_every_unit_along(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    proposal, lead, co = await assigned(client, world)
    assert co is not None
    pid = proposal["id"]
    await assignment_ok(client, world, "department", lead["id"], "accept")
    await assignment_ok(client, world, "department2", co["id"], "accept")
    await assignment_ok(client, world, "department", lead["id"], "reply")
    await run_worker(engine)
    unhappy = {"process_rating": "unsatisfied", "result_rating": "unsatisfied"}
    await ok(client, world, "member", pid, "evaluate", **unhappy)
    await run_worker(engine)
    url = f"{ASSIGNMENTS}/{co['id']}"
    carried = (await client.get(url, headers=world.auth("department2"))).json()
    assert (carried["state"], carried["round"]) == ("accepted", 2)
    assert carried["opinion_due_at"] > co["opinion_due_at"]
    await assignment_ok(client, world, "department2", co["id"], "submit_opinion")
    opinions = await client.get(f"{PROPOSALS}/{pid}/opinions", headers=world.auth("department"))
    assert [o["round"] for o in opinions.json()["items"]] == [2]
