"""Reports, instructions and tasks: edges per role, the department row rule, the deadline
ladder, and the whole campaign path from a session to a closed report with the real worker."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import clock
from shared.consultation import queries
from shared.db import make_sessionmaker
from tests.conftest import World
from tests.consultation.conftest import (
    API,
    held_consultation,
    move,
    new_suggestion,
    ok,
    problem,
    sweep,
)

pytestmark = pytest.mark.asyncio


async def _report(client: httpx.AsyncClient, world: World, **fields: object) -> dict:
    body = {"kind": "special_report", "title": "关于菜市场改造升级的建议", "body": "正文", **fields}
    return ok(await client.post(f"{API}/reports", json=body, headers=world.auth("staff")), 201)


async def _instruct(
    client: httpx.AsyncClient, world: World, report_id: str, departments: list[uuid.UUID]
) -> httpx.Response:
    return await client.post(
        f"{API}/reports/{report_id}/instructions",
        json={
            "leader_name": "沈书记",
            "leader_tier": "principal",
            "text": "请认真研究落实",
            "instructed_on": "2023-09-15",
            "department_ids": [str(d) for d in departments],
        },
        headers=world.auth("staff"),
    )


async def test_campaign_path_from_session_to_closed_report(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    campaign = ok(
        await client.post(
            f"{API}/campaigns",
            json={"name": "民生议事助首善", "starts_on": "2023-06-01", "ends_on": "2023-08-31"},
            headers=world.auth("staff"),
        ),
        201,
    )
    session_ = await held_consultation(client, world, campaign_id=campaign["id"])
    cid = session_["id"]
    adopted = (await new_suggestion(client, world, cid, "菜市场改造升级"))["id"]
    for_report = (await new_suggestion(client, world, cid, "形成专报"))["id"]
    ok(
        await move(
            client,
            world,
            "suggestions",
            adopted,
            "forward",
            department_ids=[str(world.departments[0])],
        )
    )
    ok(
        await move(
            client,
            world,
            "suggestions",
            adopted,
            "respond",
            "department",
            text="纳入今年民生实事",
            proposed_class="adopted",
        )
    )
    ok(await move(client, world, "suggestions", adopted, "classify", **{"class": "adopted"}))
    report = await _report(client, world, consultation_ids=[])
    body = ok(
        await move(client, world, "suggestions", for_report, "convert", report_id=report["id"])
    )
    assert (body["state"], body["report_id"]) == ("converted", report["id"])
    ok(await move(client, world, "consultations", cid, "conclude"))
    await sweep(engine)
    got = ok(await client.get(f"{API}/reports/{report['id']}", headers=world.auth("leader")))
    assert got["consultation_ids"] == [cid]  # the converted suggestion's session is a source
    assert (
        ok(await client.get(f"{API}/consultations/{cid}", headers=world.auth("staff")))["state"]
        == "closed"
    )

    body = ok(
        await move(client, world, "reports", report["id"], "submit", submitted_on="2023-09-01")
    )
    assert (body["state"], body["submitted_on"]) == ("submitted", "2023-09-01")
    instruction = ok(await _instruct(client, world, report["id"], world.departments), 201)
    assert instruction["leader_tier"] == "principal"
    await sweep(engine)
    assert (
        ok(await client.get(f"{API}/reports/{report['id']}", headers=world.auth("staff")))["state"]
        == "instructed"
    )
    tasks = ok(
        await client.get(
            f"{API}/instruction-tasks?report_id={report['id']}", headers=world.auth("staff")
        )
    )["items"]
    assert sorted(t["department_id"] for t in tasks) == sorted(map(str, world.departments))
    by_department = {t["department_id"]: t["id"] for t in tasks}
    first = by_department[str(world.departments[0])]
    second = by_department[str(world.departments[1])]
    ok(
        await move(
            client, world, "instruction-tasks", first, "feedback", "department", text="已完成改造"
        )
    )
    ok(await move(client, world, "instruction-tasks", first, "confirm"))
    await sweep(engine)
    assert (
        ok(await client.get(f"{API}/reports/{report['id']}", headers=world.auth("staff")))["state"]
        == "instructed"
    )
    ok(
        await move(
            client, world, "instruction-tasks", second, "feedback", "department2", text="第一次反馈"
        )
    )
    body = ok(await move(client, world, "instruction-tasks", second, "reject", comment="不具体"))
    assert body["state"] == "assigned"
    ok(
        await move(
            client,
            world,
            "instruction-tasks",
            second,
            "feedback",
            "department2",
            text="已制定方案并实施",
        )
    )
    ok(await move(client, world, "instruction-tasks", second, "confirm"))
    await sweep(engine)
    await sweep(engine)
    final = ok(await client.get(f"{API}/reports/{report['id']}", headers=world.auth("staff")))
    assert final["state"] == "closed"
    timeline = ok(
        await client.get(f"{API}/reports/{report['id']}/timeline", headers=world.auth("auditor"))
    )
    assert [e["action"] for e in timeline] == [
        "created",
        "submit",
        "instruction_recorded",
        "instruct",
        "close",
    ]
    async with make_sessionmaker(engine)() as session:
        counts = await queries.suggestion_counts(session, world.organisation_id, [uuid.UUID(cid)])
    assert (counts.total, counts.adopted) == (2, 1)


async def test_report_edges_and_roles(client: httpx.AsyncClient, world: World) -> None:
    report = await _report(client, world)
    rid = report["id"]
    problem(
        await _instruct(client, world, rid, world.departments[:1]), 409, "invalid_transition"
    )  # a draft has no instructions
    for role in ("leader", "member", "department", "auditor"):
        problem(await move(client, world, "reports", rid, "submit", role), 403, "forbidden")
    # The worker's move is no one's button, whatever the state.
    problem(await move(client, world, "reports", rid, "instruct"), 403, "forbidden")
    problem(
        await move(client, world, "reports", rid, "submit", submitted_on="yesterday"),
        422,
        "validation_error",
    )
    response = await client.patch(
        f"{API}/reports/{rid}", json={"title": "修改后的标题"}, headers=world.auth("staff")
    )
    assert ok(response)["title"] == "修改后的标题"
    body = ok(await move(client, world, "reports", rid, "submit"))
    assert body["submitted_on"] == clock.today("Asia/Shanghai").isoformat()
    problem(await move(client, world, "reports", rid, "submit"), 409, "invalid_transition")
    problem(
        await client.patch(
            f"{API}/reports/{rid}", json={"title": "x"}, headers=world.auth("staff")
        ),
        409,
        "conflict",
    )
    for role in ("member", "department"):
        problem(
            await client.get(f"{API}/reports/{rid}", headers=world.auth(role)), 403, "forbidden"
        )
    problem(
        await client.post(
            f"{API}/reports/{rid}/instructions",
            json={
                "leader_name": "x",
                "leader_tier": "principal",
                "text": "t",
                "department_ids": [str(world.departments[0])],
            },
            headers=world.auth("leader"),
        ),
        403,
        "forbidden",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "memo", "title": "t"},
        {"kind": "special_report", "title": "t", "body": "x" * 100_000},
        {"kind": "special_report", "title": "t", "consultation_ids": [str(uuid.uuid4())]},
        {"kind": "special_report", "title": ""},
    ],
)
async def test_bad_reports_are_refused(
    client: httpx.AsyncClient, world: World, body: dict[str, object]
) -> None:
    response = await client.post(f"{API}/reports", json=body, headers=world.auth("staff"))
    problem(response, 422, "validation_error")


async def test_bad_instructions_are_refused(client: httpx.AsyncClient, world: World) -> None:
    rid = (await _report(client, world))["id"]
    ok(await move(client, world, "reports", rid, "submit"))
    base = {
        "leader_name": "沈书记",
        "leader_tier": "principal",
        "text": "阅",
        "department_ids": [str(world.departments[0])],
    }
    for bad in (
        {"leader_tier": "chief"},
        {"department_ids": []},
        {"department_ids": [str(uuid.uuid4())]},
        {"instructed_on": "2023-02-30"},
        {"text": "批" * 100_000},
    ):
        response = await client.post(
            f"{API}/reports/{rid}/instructions", json={**base, **bad}, headers=world.auth("staff")
        )
        problem(response, 422, "validation_error")


async def test_task_edges_row_rules_and_deadlines(
    client: httpx.AsyncClient, world: World, other_world: World, engine: AsyncEngine
) -> None:
    rid = (await _report(client, world))["id"]
    ok(await move(client, world, "reports", rid, "submit"))
    ok(await _instruct(client, world, rid, world.departments[:1]), 201)
    tid = ok(await client.get(f"{API}/instruction-tasks", headers=world.auth("department")))[
        "items"
    ][0]["id"]
    problem(
        await client.get(f"{API}/instruction-tasks/{tid}", headers=world.auth("department2")),
        404,
        "not_found",
    )
    assert (
        ok(await client.get(f"{API}/instruction-tasks", headers=world.auth("department2")))["items"]
        == []
    )
    problem(
        await client.get(f"{API}/instruction-tasks/{tid}", headers=other_world.auth("staff")),
        404,
        "not_found",
    )
    problem(
        await move(client, world, "instruction-tasks", tid, "feedback", "department2", text="x"),
        404,
        "not_found",
    )
    problem(
        await move(client, world, "instruction-tasks", tid, "feedback", text="x"),
        403,
        "forbidden",
    )  # staff do not answer for departments
    problem(
        await move(client, world, "instruction-tasks", tid, "feedback", "member", text="x"),
        403,
        "forbidden",
    )
    problem(
        await move(client, world, "instruction-tasks", tid, "confirm"), 409, "invalid_transition"
    )
    problem(
        await move(client, world, "instruction-tasks", tid, "feedback", "department"),
        422,
        "validation_error",
    )
    clock.advance(timedelta(days=30, minutes=1))
    await sweep(engine)
    await sweep(engine)
    task = ok(await client.get(f"{API}/instruction-tasks/{tid}", headers=world.auth("staff")))
    assert task["overdue"] is True
    timeline = ok(
        await client.get(f"{API}/instruction-tasks/{tid}/timeline", headers=world.auth("staff"))
    )
    assert [e["action"] for e in timeline] == ["assigned", "reminder", "overdue"]
    ok(await move(client, world, "instruction-tasks", tid, "feedback", "department", text="完成"))
    problem(
        await move(client, world, "instruction-tasks", tid, "confirm", "department"),
        403,
        "forbidden",
    )
    ok(await move(client, world, "instruction-tasks", tid, "confirm"))


async def test_counting_helper_stays_in_its_organisation(
    client: httpx.AsyncClient, world: World, other_world: World, engine: AsyncEngine
) -> None:
    mine = (await held_consultation(client, world))["id"]
    await new_suggestion(client, world, mine)
    async with make_sessionmaker(engine)() as session:
        counts = await queries.suggestion_counts(
            session, other_world.organisation_id, [uuid.UUID(mine)]
        )
    assert counts.total == 0
