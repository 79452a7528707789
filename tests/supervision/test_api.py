"""Topics and cases over HTTP: role rules, row rules, validation, filters, records by round."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.supervision.conftest import (
    CASES,
    TOPICS,
    act,
    make_case,
    make_topic,
    ok,
    reach,
    run_worker,
)

pytestmark = pytest.mark.asyncio


async def test_topic_defaults_and_crud(client: httpx.AsyncClient, world: World) -> None:
    topic = await make_topic(client, world)
    assert topic["state"] == "planned"
    assert (topic["feedback_window"], topic["follow_up_after"], topic["max_rounds"]) == (
        "P90D",
        "P365D",  # the default P1Y, written in days: durations leave in days/time form only
        2,
    )
    assert topic["kind"] == "special_collective"
    url = f"{TOPICS}/{topic['id']}"
    got = await client.get(url, headers=world.auth("leader"))
    assert got.status_code == 200 and got.headers["etag"] == f'"{topic["version"]}"'
    patched = await client.patch(
        url,
        json={"follow_up_after": None, "max_rounds": 3, "feedback_window": "PT2S"},
        headers={**world.auth("staff"), "If-Match": f'"{topic["version"]}"'},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["follow_up_after"], patched.json()["max_rounds"]) == (None, 3)
    stale = await client.patch(
        url, json={"title": "x"}, headers={**world.auth("staff"), "If-Match": '"1"'}
    )
    assert_problem(stale, 412, "version_mismatch")
    listed = await client.get(TOPICS, params={"year": 2023}, headers=world.auth("auditor"))
    assert [t["id"] for t in listed.json()["items"]] == [topic["id"]]
    assert (await client.delete(url, headers=world.auth("staff"))).status_code == 204
    assert_problem(await client.get(url, headers=world.auth("staff")), 404, "not_found")


async def test_topic_role_and_row_rules(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    body = {"year": 2023, "title": "t", "department_ids": [str(world.departments[0])]}
    for role in ("member", "department", "leader", "auditor", "admin"):
        assert_problem(
            await client.post(TOPICS, json=body, headers=world.auth(role)), 403, "forbidden"
        )
    topic = await make_topic(client, world, department_ids=[str(world.departments[0])])
    url = f"{TOPICS}/{topic['id']}"
    assert (await client.get(url, headers=world.auth("department"))).status_code == 200
    for suffix in ("", "/timeline"):
        response = await client.get(url + suffix, headers=world.auth("department2"))
        assert_problem(response, 404, "not_found")
    assert_problem(await client.get(url, headers=world.auth("member")), 403, "forbidden")
    for role in ("staff", "auditor"):
        assert_problem(await client.get(url, headers=other_world.auth(role)), 404, "not_found")
    assert_problem(
        await client.patch(url, json={"title": "x"}, headers=other_world.auth("staff")),
        404,
        "not_found",
    )
    assert_problem(await client.delete(url, headers=world.auth("leader")), 403, "forbidden")
    mine = await client.get(TOPICS, headers=world.auth("department2"))
    assert topic["id"] not in [t["id"] for t in mine.json()["items"]]


async def test_topic_validation(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    good = {"year": 2023, "title": "t", "department_ids": [str(world.departments[0])]}
    bad = [
        {**good, "year": 1800},
        {**good, "kind": "other"},
        {**good, "feedback_window": "soon"},
        {**good, "feedback_window": "-P1D"},
        {**good, "max_rounds": 0},
        {**good, "department_ids": []},
        {**good, "department_ids": [str(other_world.departments[0])]},
        {**good, "lead_committee_id": str(uuid.uuid4())},
        {**good, "surprise": True},
    ]
    for body in bad:
        response = await client.post(TOPICS, json=body, headers=world.auth("staff"))
        assert_problem(response, 422, "validation_error")


async def test_topic_with_cases_cannot_be_deleted(client: httpx.AsyncClient, world: World) -> None:
    case = await make_case(client, world)
    response = await client.delete(f"{TOPICS}/{case['topic_id']}", headers=world.auth("staff"))
    assert_problem(response, 409, "conflict")


async def test_case_create_rules(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    topic = await make_topic(client, world, department_ids=[str(world.departments[0])])
    foreign = await make_topic(client, other_world)
    body = {
        "topic_id": topic["id"],
        "title": "问题",
        "issue": "问题描述",
        "recommendation": "建议",
        "department_ids": [str(world.departments[0])],
    }
    for role in ("member", "department", "leader", "auditor"):
        assert_problem(
            await client.post(CASES, json=body, headers=world.auth(role)), 403, "forbidden"
        )
    for wrong in (
        {"topic_id": foreign["id"]},
        {"department_ids": [str(world.departments[1])]},  # not a target of the topic
        {"department_ids": [str(other_world.departments[0])]},
        {"title": ""},
        {"issue": None},
    ):
        response = await client.post(CASES, json={**body, **wrong}, headers=world.auth("staff"))
        assert_problem(response, 422, "validation_error")
    response = await client.post(
        CASES, json=body, headers={**world.auth("staff"), "Idempotency-Key": "case-1"}
    )
    assert response.status_code == 201
    case = response.json()
    assert response.headers["location"].endswith(case["id"])
    assert (case["state"], case["round"], case["overdue"], case["escalation_level"]) == (
        "draft",
        1,
        False,
        0,
    )
    again = await client.post(
        CASES, json=body, headers={**world.auth("staff"), "Idempotency-Key": "case-1"}
    )
    assert again.json()["id"] == case["id"]


async def test_case_reads_follow_row_rules(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    case = await make_case(client, world)  # assigned to departments[0] only
    url = f"{CASES}/{case['id']}"
    for role in ("staff", "leader", "auditor", "admin", "department"):
        assert (await client.get(url, headers=world.auth(role))).status_code == 200, role
    assert_problem(await client.get(url, headers=world.auth("member")), 403, "forbidden")
    for suffix in ("", "/timeline", "/feedback", "/evaluations"):
        assert_problem(
            await client.get(url + suffix, headers=world.auth("department2")), 404, "not_found"
        )
        assert_problem(
            await client.get(url + suffix, headers=other_world.auth("auditor")), 404, "not_found"
        )
    seen = await client.get(CASES, headers=world.auth("department2"))
    assert case["id"] not in [c["id"] for c in seen.json()["items"]]
    assert_problem(
        await client.patch(url, json={"title": "x"}, headers=world.auth("department")),
        403,
        "forbidden",
    )


async def test_integrator_with_read_scope_reads_but_cannot_act(
    client: httpx.AsyncClient, world: World
) -> None:
    case = await make_case(client, world)
    created = await client.post(
        "/api/v1/api-keys",
        json={"name": "数据仓库", "scopes": ["read"]},
        headers=world.auth("admin"),
    )
    key = {"Authorization": f"Bearer {created.json()['key']}"}
    assert (await client.get(f"{CASES}/{case['id']}", headers=key)).status_code == 200
    response = await client.post(
        f"{CASES}/{case['id']}/transitions", json={"action": "start"}, headers=key
    )
    assert_problem(response, 403, "forbidden")


async def test_case_edit_only_before_report(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await make_case(client, world)
    url = f"{CASES}/{case['id']}"
    response = await client.patch(
        url,
        json={"title": "新标题", "department_ids": [str(d) for d in world.departments]},
        headers={**world.auth("staff"), "If-Match": f'"{case["version"]}"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["department_ids"] == sorted(str(d) for d in world.departments)
    reported = await reach(client, world, engine, "awaiting_feedback")
    response = await client.patch(
        f"{CASES}/{reported['id']}", json={"title": "x"}, headers=world.auth("staff")
    )
    assert_problem(response, 409, "conflict")


async def test_stale_if_match_on_a_transition_is_412(
    client: httpx.AsyncClient, world: World
) -> None:
    case = await make_case(client, world)
    stale = {"If-Match": f'"{case["version"] - 1}"'}
    assert_problem(
        await act(client, world, "staff", case["id"], "start", stale), 412, "version_mismatch"
    )
    fresh = {"If-Match": f'"{case["version"]}"'}
    assert (await act(client, world, "staff", case["id"], "start", fresh)).status_code == 200


async def test_feedback_once_per_department_per_round(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await make_case(client, world, departments=world.departments)
    await ok(client, world, "staff", case["id"], "start")
    await ok(client, world, "staff", case["id"], "report")
    await ok(client, world, "department", case["id"], "feedback", completion="done")
    again = await act(client, world, "department", case["id"], "feedback")
    assert_problem(again, 409, "conflict")
    await ok(client, world, "department2", case["id"], "feedback", completion="planned")
    everyone = await client.get(f"{CASES}/{case['id']}/feedback", headers=world.auth("staff"))
    answers = everyone.json()["items"]
    assert sorted(f["completion"] for f in answers) == ["done", "planned"]
    assert {f["round"] for f in answers} == {1}
    own = await client.get(f"{CASES}/{case['id']}/feedback", headers=world.auth("department"))
    assert [f["department_id"] for f in own.json()["items"]] == [str(world.departments[0])]


async def test_evaluations_by_round(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    case = await reach(client, world, engine, "awaiting_evaluation")
    await ok(
        client, world, "staff", case["id"], "evaluate", rating="unsatisfied", comment="整改不到位"
    )
    await run_worker(engine)  # round 2
    await ok(client, world, "department", case["id"], "feedback")
    await run_worker(engine)
    await ok(client, world, "staff", case["id"], "evaluate", rating="basically_satisfied")
    url = f"{CASES}/{case['id']}/evaluations"
    every = (await client.get(url, headers=world.auth("department"))).json()["items"]
    assert [(e["round"], e["rating"]) for e in every] == [
        (1, "unsatisfied"),
        (2, "basically_satisfied"),
    ]
    second = (await client.get(url, params={"round": 2}, headers=world.auth("staff"))).json()
    assert [e["round"] for e in second["items"]] == [2]
    assert_problem(
        await client.get(url, params={"round": 0}, headers=world.auth("staff")),
        422,
        "validation_error",
    )


async def test_list_filters_and_pagination(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    topic = await make_topic(client, world)
    first = await make_case(client, world, topic, departments=world.departments[:1])
    second = await make_case(client, world, topic, departments=world.departments[1:])
    third = await make_case(client, world, topic, departments=world.departments)
    await ok(client, world, "staff", third["id"], "start")

    async def ids(role: str = "staff", **params: str) -> list[str]:
        found: list[str] = []
        cursor = None
        while True:
            query = {"topic_id": topic["id"], "limit": "1", **params}
            if cursor:
                query["cursor"] = cursor
            response = await client.get(CASES, params=query, headers=world.auth(role))
            assert response.status_code == 200, response.text
            found += [c["id"] for c in response.json()["items"]]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return found

    assert await ids() == [first["id"], second["id"], third["id"]]
    assert await ids(state="draft") == [first["id"], second["id"]]
    assert await ids(department_id=str(world.departments[1])) == [second["id"], third["id"]]
    assert await ids(overdue="false", state="supervising") == [third["id"]]
    assert await ids(overdue="true") == []
    assert await ids("department2") == [second["id"], third["id"]]
    # A department filtering on another department still sees only its own cases.
    assert await ids("department", department_id=str(world.departments[1])) == [third["id"]]
    for params in ({"overdue": "perhaps"}, {"topic_id": "nope"}, {"limit": "0"}, {"state": "lost"}):
        assert_problem(
            await client.get(CASES, params=params, headers=world.auth("staff")),
            422,
            "validation_error",
        )
