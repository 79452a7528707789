"""Assignments (交办): the refusals, returns within the window, extensions up to P6M."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import clock
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.proposal.conftest import (
    ASSIGNMENTS,
    act,
    assigned,
    assignment_act,
    assignment_ok,
    current,
    filed,
)
from tests.supervision.conftest import event_types, run_worker

pytestmark = pytest.mark.asyncio


async def test_assignment_refusals(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    proposal, lead, co = await assigned(client, world)
    assert co is not None
    # Another unit's assignment is not found; so is another organisation's.
    assert_problem(
        await assignment_act(client, world, "department2", lead["id"], "accept"), 404, "not_found"
    )
    assert_problem(
        await client.get(f"{ASSIGNMENTS}/{lead['id']}", headers=world.auth("department2")),
        404,
        "not_found",
    )
    assert_problem(
        await assignment_act(client, other_world, "staff", lead["id"], "deny_return"),
        404,
        "not_found",
    )
    # Wrong role.
    assert_problem(
        await assignment_act(client, world, "staff", lead["id"], "accept"), 403, "forbidden"
    )
    assert_problem(
        await assignment_act(client, world, "department", lead["id"], "deny_return"),
        403,
        "forbidden",
    )
    for role in ("member", "leader"):
        assert_problem(
            await assignment_act(client, world, role, lead["id"], "accept"), 403, "forbidden"
        )
    assert_problem(await client.get(ASSIGNMENTS, headers=world.auth("member")), 403, "forbidden")
    # Wrong state: replying before accepting, accepting twice.
    assert_problem(
        await assignment_act(client, world, "department", lead["id"], "reply"),
        409,
        "invalid_transition",
    )
    await assignment_ok(client, world, "department", lead["id"], "accept")
    assert_problem(
        await assignment_act(client, world, "department", lead["id"], "accept"),
        409,
        "invalid_transition",
    )
    # The co-handler neither replies nor is the lead's opinion giver.
    await assignment_ok(client, world, "department2", co["id"], "accept")
    assert_problem(
        await assignment_act(client, world, "department2", co["id"], "reply"), 409, "conflict"
    )
    assert_problem(
        await assignment_act(client, world, "department", lead["id"], "submit_opinion"),
        409,
        "conflict",
    )
    # Bad input.
    for fields in ({"class": "E"}, {"text": ""}, {"face_to_face_on": "soon"}):
        assert_problem(
            await assignment_act(client, world, "department", lead["id"], "reply", **fields),
            422,
            "validation_error",
        )
    # Replying twice in a round.
    await assignment_ok(client, world, "department", lead["id"], "reply")
    assert_problem(
        await assignment_act(client, world, "department", lead["id"], "reply"),
        409,
        "invalid_transition",
    )
    # Assign refusals: a wrong unit is 422, a second assign 409, a member 403.
    assert_problem(
        await act(
            client,
            world,
            "staff",
            proposal["id"],
            "assign",
            lead_department_id=str(world.departments[0]),
        ),
        409,
        "invalid_transition",
    )
    other = await filed(client, world)
    for fields in (
        {"lead_department_id": str(other_world.departments[0])},
        {
            "lead_department_id": str(world.departments[0]),
            "co_department_ids": [str(world.departments[0])],
        },
    ):
        assert_problem(
            await act(client, world, "staff", other["id"], "assign", **fields),
            422,
            "validation_error",
        )
    assert_problem(
        await act(
            client,
            world,
            "member",
            other["id"],
            "assign",
            lead_department_id=str(world.departments[0]),
        ),
        403,
        "forbidden",
    )


async def test_return_within_the_window(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    proposal, lead, _ = await assigned(client, world, co=False)
    asked = await assignment_ok(client, world, "department", lead["id"], "request_return")
    assert asked["state"] == "return_requested"
    for fields in ({"department_id": str(world.departments[0])}, {}):
        assert_problem(
            await assignment_act(client, world, "staff", lead["id"], "approve_return", **fields),
            422,
            "validation_error",
        )
    returned = await assignment_ok(
        client,
        world,
        "staff",
        lead["id"],
        "approve_return",
        department_id=str(world.departments[1]),
    )
    assert returned["state"] == "returned"
    # The new unit has an assignment of its own; the old one keeps its returned record.
    [successor] = (await client.get(ASSIGNMENTS, headers=world.auth("department2"))).json()["items"]
    assert (successor["role"], successor["state"]) == ("lead", "assigned")
    await assignment_ok(client, world, "department2", successor["id"], "accept")
    await run_worker(engine)
    assert (await current(client, world, proposal["id"]))["state"] == "handling"
    # Past the return window (P7D) a unit can no longer ask.
    _, late, _ = await assigned(client, world, co=False)
    clock.advance(timedelta(days=8))
    assert_problem(
        await assignment_act(client, world, "department", late["id"], "request_return"),
        409,
        "conflict",
    )
    # A denied return means the unit handles it.
    clock.reset()
    denied_proposal, denied, _ = await assigned(client, world, co=False)
    await assignment_ok(client, world, "department", denied["id"], "request_return")
    kept = await assignment_ok(client, world, "staff", denied["id"], "deny_return")
    assert kept["state"] == "accepted"
    await run_worker(engine)
    assert (await current(client, world, denied_proposal["id"]))["state"] == "handling"


async def test_extension_up_to_six_months_from_assignment(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    proposal, lead, _ = await assigned(client, world, co=False)
    await assignment_ok(client, world, "department", lead["id"], "accept")
    due = datetime.fromisoformat(lead["reply_due_at"])
    latest = clock.add_period(datetime.fromisoformat(lead["assigned_at"]), "P6M", "Asia/Shanghai")
    edges = ("9999-12-31T23:59:59-10:00", "2024-06-01T00:00:00")  # overflow; no zone
    for until in (latest + timedelta(seconds=1), due - timedelta(days=1), *edges):
        assert_problem(
            await assignment_act(
                client,
                world,
                "department",
                lead["id"],
                "request_extension",
                until=until if isinstance(until, str) else until.isoformat(),
                reason="需协调",
            ),
            422,
            "validation_error",
        )
    assert_problem(
        await assignment_act(client, world, "staff", lead["id"], "approve_extension"),
        409,
        "conflict",
    )
    asked = await assignment_ok(
        client,
        world,
        "department",
        lead["id"],
        "request_extension",
        until=latest.isoformat(),
        reason="需协调",
    )
    assert datetime.fromisoformat(asked["extension_until"]) == latest
    approved = await assignment_ok(client, world, "staff", lead["id"], "approve_extension")
    assert datetime.fromisoformat(approved["reply_due_at"]) == latest
    assert (
        datetime.fromisoformat((await current(client, world, proposal["id"]))["reply_due_at"])
        == latest
    )
    assert (await event_types(engine, lead["id"]))[-2:] == [
        "proposal_assignment.extension_requested",
        "proposal_assignment.extension_approved",
    ]
