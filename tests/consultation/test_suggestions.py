"""Suggestions: every edge per role, the department row rule, merging without double counting,
the response deadline ladder, and the session closing itself once every suggestion is final."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import World
from tests.consultation.conftest import (
    API,
    expert_login,
    held_consultation,
    move,
    new_consultation,
    new_suggestion,
    ok,
    problem,
)

pytestmark = pytest.mark.asyncio


async def _forwarded(client: httpx.AsyncClient, world: World, departments: int = 1) -> dict:
    cid = (await held_consultation(client, world))["id"]
    sid = (await new_suggestion(client, world, cid))["id"]
    ids = [str(d) for d in world.departments[:departments]]
    return ok(await move(client, world, "suggestions", sid, "forward", department_ids=ids))


async def test_forward_respond_classify_implement_verify(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = (await held_consultation(client, world))["id"]
    sid = (await new_suggestion(client, world, cid))["id"]
    problem(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "respond",
            "department",
            text="t",
            proposed_class="adopted",
        ),
        404,
        "not_found",
    )  # not forwarded to it yet
    problem(
        await move(client, world, "suggestions", sid, "classify", **{"class": "adopted"}),
        409,
        "invalid_transition",
    )
    problem(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "forward",
            "member",
            department_ids=[str(world.departments[0])],
        ),
        403,
        "forbidden",
    )
    problem(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "forward",
            "department",
            department_ids=[str(world.departments[0])],
        ),
        404,
        "not_found",
    )
    problem(
        await move(client, world, "suggestions", sid, "forward", department_ids=[]),
        422,
        "validation_error",
    )
    problem(
        await move(
            client, world, "suggestions", sid, "forward", department_ids=[str(uuid.uuid4())]
        ),
        422,
        "validation_error",
    )
    both = [str(d) for d in world.departments]
    body = ok(await move(client, world, "suggestions", sid, "forward", department_ids=both))
    assert body["state"] == "forwarded" and body["response_due_at"] is not None
    assert sorted(body["department_ids"]) == sorted(both)
    problem(
        await move(
            client, world, "suggestions", sid, "respond", text="t", proposed_class="adopted"
        ),
        403,
        "forbidden",
    )  # staff never answer for a department
    body = ok(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "respond",
            "department",
            text="已纳入年度计划",
            proposed_class="planned",
        )
    )
    assert body["state"] == "forwarded"  # the second department still owes its answer
    problem(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "respond",
            "department",
            text="again",
            proposed_class="adopted",
        ),
        409,
        "conflict",
    )
    body = ok(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "respond",
            "department2",
            text="采纳",
            proposed_class="adopted",
        )
    )
    assert body["state"] == "responded" and len(body["responses"]) == 2
    problem(
        await move(
            client, world, "suggestions", sid, "classify", "department", **{"class": "adopted"}
        ),
        403,
        "forbidden",
    )  # a department never classifies, whatever the state
    problem(
        await move(client, world, "suggestions", sid, "classify", **{"class": "maybe"}),
        422,
        "validation_error",
    )
    problem(await move(client, world, "suggestions", sid, "verify"), 409, "invalid_transition")
    body = ok(await move(client, world, "suggestions", sid, "classify", **{"class": "adopted"}))
    assert (body["state"], body["adoption_class"]) == ("adopted", "adopted")
    assert ok(await move(client, world, "suggestions", sid, "implement"))["state"] == (
        "implemented"
    )
    body = ok(await move(client, world, "suggestions", sid, "verify", comment="回头看：已落实"))
    assert body["state"] == "verified" and body["adoption_class"] == "adopted"


async def test_not_adopted_cannot_be_implemented(client: httpx.AsyncClient, world: World) -> None:
    sid = (await _forwarded(client, world))["id"]
    ok(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "respond",
            "department",
            text="暂不具备条件",
            proposed_class="for_reference",
        )
    )
    ok(await move(client, world, "suggestions", sid, "classify", **{"class": "not_adopted"}))
    problem(await move(client, world, "suggestions", sid, "implement"), 409, "invalid_transition")


async def test_department_row_rules(client: httpx.AsyncClient, world: World) -> None:
    sid = (await _forwarded(client, world))["id"]
    ok(await client.get(f"{API}/suggestions/{sid}", headers=world.auth("department")))
    problem(
        await client.get(f"{API}/suggestions/{sid}", headers=world.auth("department2")),
        404,
        "not_found",
    )
    problem(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "respond",
            "department2",
            text="t",
            proposed_class="adopted",
        ),
        404,
        "not_found",
    )
    problem(
        await client.get(f"{API}/suggestions/{sid}/timeline", headers=world.auth("department2")),
        404,
        "not_found",
    )
    mine = ok(await client.get(f"{API}/suggestions", headers=world.auth("department")))
    theirs = ok(await client.get(f"{API}/suggestions", headers=world.auth("department2")))
    assert [s["id"] for s in mine["items"]] == [sid] and theirs["items"] == []
    # Asking for the other department's list gives nothing extra.
    query = f"{API}/suggestions?department_id={world.departments[0]}"
    assert ok(await client.get(query, headers=world.auth("department2")))["items"] == []
    assert [s["id"] for s in ok(await client.get(query, headers=world.auth("staff")))["items"]] == [
        sid
    ]


async def test_members_and_experts_propose_on_sessions_they_attend(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    consultation = await new_consultation(
        client, world, scheduled_at="2023-06-01T09:00:00+08:00", venue="议事厅"
    )
    cid = consultation["id"]
    ok(await move(client, world, "consultations", cid, "schedule"))
    path = f"{API}/consultations/{cid}/suggestions"
    problem(
        await client.post(path, json={"content": "建议"}, headers=world.auth("member")),
        403,
        "forbidden",
    )
    ok(
        await client.post(
            f"{API}/consultations/{cid}/attendances", json={}, headers=world.auth("member")
        ),
        201,
    )
    body = ok(
        await client.post(
            path, json={"content": "建议增设便民服务点"}, headers=world.auth("member")
        ),
        201,
    )
    assert (body["proposer_kind"], body["proposer_member_id"]) == ("member", str(world.member_id))
    problem(
        await client.post(
            path, json={"content": "x", "proposer_kind": "public"}, headers=world.auth("member")
        ),
        403,
        "forbidden",
    )
    expert_id, expert = await expert_login(engine, world)
    problem(await client.post(path, json={"content": "专家建议"}, headers=expert), 403, "forbidden")
    ok(await client.post(f"{API}/consultations/{cid}/attendances", json={}, headers=expert), 201)
    body = ok(await client.post(path, json={"content": "专家建议"}, headers=expert), 201)
    assert body["proposer_expert_id"] == str(expert_id)
    for role in ("department", "leader", "auditor"):
        problem(
            await client.post(
                path, json={"content": "x", "proposer_kind": "public"}, headers=world.auth(role)
            ),
            403,
            "forbidden",
        )
    # members read only their own suggestions
    listed = ok(await client.get(f"{API}/suggestions", headers=world.auth("member")))
    assert [s["proposer_member_id"] for s in listed["items"]] == [str(world.member_id)]
    # staff must name the proposer kind (and the member for a member's suggestion)
    problem(
        await client.post(path, json={"content": "x"}, headers=world.auth("staff")),
        422,
        "validation_error",
    )
    problem(
        await client.post(
            path, json={"content": "x", "proposer_kind": "member"}, headers=world.auth("staff")
        ),
        422,
        "validation_error",
    )
    problem(
        await client.post(
            path,
            json={"content": "议" * 100_000, "proposer_kind": "public"},
            headers=world.auth("staff"),
        ),
        422,
        "validation_error",
    )
    ok(await move(client, world, "consultations", cid, "hold", public_participants=0))
    ok(await move(client, world, "consultations", cid, "conclude"))
    problem(
        await client.post(
            path, json={"content": "会后", "proposer_kind": "public"}, headers=world.auth("staff")
        ),
        409,
        "conflict",
    )


async def test_other_organisation_cannot_touch_suggestions(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    sid = (await _forwarded(client, world))["id"]
    problem(
        await client.get(f"{API}/suggestions/{sid}", headers=other_world.auth("staff")),
        404,
        "not_found",
    )
    problem(
        await move(
            client,
            other_world,
            "suggestions",
            sid,
            "respond",
            "department",
            text="x",
            proposed_class="adopted",
        ),
        404,
        "not_found",
    )
    listed = ok(await client.get(f"{API}/suggestions", headers=other_world.auth("staff")))
    assert listed["items"] == []
