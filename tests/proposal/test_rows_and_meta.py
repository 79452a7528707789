"""Who sees what once units are assigned, and the machines served to frontends."""

from __future__ import annotations

import typing

import httpx
import pytest

from shared.proposal import schemas as s
from shared.proposal.workflows import PROPOSAL, PROPOSAL_ASSIGNMENT
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.proposal.conftest import PROPOSALS, act, assigned, assignment_act, assignment_ok

pytestmark = pytest.mark.asyncio


async def test_units_see_what_is_assigned_to_them(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    proposal, lead, _ = await assigned(client, world, co=False)
    pid = proposal["id"]
    url = f"{PROPOSALS}/{pid}"
    listed = await client.get(PROPOSALS, headers=world.auth("department"))
    assert [p["id"] for p in listed.json()["items"]] == [pid]
    staff_view = await client.get(
        PROPOSALS, params={"department_id": str(world.departments[0])}, headers=world.auth("staff")
    )
    assert [p["id"] for p in staff_view.json()["items"]] == [pid]
    # A unit not on the proposal neither sees it nor acts on it.
    for suffix in ("", "/replies", "/opinions", "/timeline"):
        response = await client.get(url + suffix, headers=world.auth("department2"))
        assert_problem(response, 404, "not_found")
    final = {"class": "A", "text": "已解决"}
    assert_problem(
        await act(client, world, "department2", pid, "final_reply", **final), 404, "not_found"
    )
    assert_problem(await client.get(url, headers=other_world.auth("department")), 404, "not_found")
    # Opinions are for office readers and units, not for members.
    assert_problem(
        await client.get(url + "/opinions", headers=world.auth("member")), 403, "forbidden"
    )
    await assignment_ok(client, world, "department", lead["id"], "accept")
    timeline = await client.get(
        f"/api/v1/proposal-assignments/{lead['id']}/timeline", headers=world.auth("department")
    )
    assert [e["action"] for e in timeline.json()] == ["created", "accept"]


async def test_the_machines_are_served(client: httpx.AsyncClient, world: World) -> None:
    for name, action in (("proposal", "file"), ("proposal_assignment", "request_return")):
        response = await client.get(f"/api/v1/meta/workflows/{name}", headers=world.auth("staff"))
        assert response.status_code == 200, response.text
        assert action in [a["name"] for a in response.json()["actions"]]


def _actions(union: object) -> set[str]:
    members = typing.get_args(typing.get_args(union)[0])
    return {v for m in members for v in typing.get_args(m.model_fields["action"].annotation)}


async def test_the_move_bodies_name_every_action_of_their_machine() -> None:
    assert _actions(s.AnyMove) == {a.name for a in PROPOSAL.actions}
    assert _actions(s.AnyAssignmentMove) == {a.name for a in PROPOSAL_ASSIGNMENT.actions}


async def test_an_automatic_move_is_the_workers_alone(
    client: httpx.AsyncClient, world: World
) -> None:
    proposal, lead, _ = await assigned(client, world, co=False)
    assert_problem(await act(client, world, "staff", proposal["id"], "close"), 403, "forbidden")
    response = await assignment_act(client, world, "staff", lead["id"], "reopen")
    assert_problem(response, 403, "forbidden")
