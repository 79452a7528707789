"""Party building records: staff-managed, readable by the office, invisible across organisations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_conventions import assert_problem
from tests.conftest import World


async def _committee(client: httpx.AsyncClient, world: World, name: str = "经济委") -> str:
    response = await client.post(
        "/api/v1/committees", json={"name": name}, headers=world.auth("admin")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _branch(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    committee_id = await _committee(client, world)
    response = await client.post(
        "/api/v1/party-branches",
        json={"name": "经济委履职党支部", "committee_id": committee_id},
        headers=world.auth("staff"),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_branch_partners_and_activities_round_trip(
    client: httpx.AsyncClient, world: World
) -> None:
    branch = await _branch(client, world)
    partners_url = f"/api/v1/party-branches/{branch['id']}/partners"
    for name in ("区教育局党委", "宁波大学党委"):
        created = await client.post(
            partners_url, json={"name": name, "field": "教育"}, headers=world.auth("staff")
        )
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/api/v1/party-partners/{created.json()['id']}"
    listed = (await client.get(partners_url, headers=world.auth("leader"))).json()["items"]
    assert [p["name"] for p in listed] == ["区教育局党委", "宁波大学党委"]
    activity = await client.post(
        "/api/v1/joint-activities",
        json={
            "branch_id": branch["id"],
            "kind": "study",
            "title": "理论联学",
            "held_on": "2023-07-18",
            "party_member_participations": 40,
        },
        headers=world.auth("staff"),
    )
    assert activity.status_code == 201, activity.text
    patched = await client.patch(
        f"/api/v1/joint-activities/{activity.json()['id']}",
        json={"party_member_participations": 45},
        headers={**world.auth("staff"), "If-Match": '"1"'},
    )
    assert patched.json()["party_member_participations"] == 45
    studies = await client.get(
        "/api/v1/joint-activities", params={"kind": "study"}, headers=world.auth("auditor")
    )
    assert [a["title"] for a in studies.json()["items"]] == ["理论联学"]


async def test_theme_tasks_and_problems_solved(client: httpx.AsyncClient, world: World) -> None:
    task = await client.post(
        "/api/v1/theme-tasks",
        json={"year": 2023, "area": "理论学习", "title": "读书班"},
        headers=world.auth("staff"),
    )
    assert task.status_code == 201
    solved = await client.post(
        "/api/v1/problems-solved",
        json={
            "title": "菜市场改造升级",
            "solved_on": "2023-10-01",
            "theme_task_id": task.json()["id"],
        },
        headers=world.auth("admin"),
    )
    assert solved.status_code == 201, solved.text
    done = await client.patch(
        f"/api/v1/theme-tasks/{task.json()['id']}", json={"done": True}, headers=world.auth("staff")
    )
    assert done.json()["done"] is True
    by_year = await client.get(
        "/api/v1/theme-tasks", params={"year": 2023}, headers=world.auth("leader")
    )
    assert len(by_year.json()["items"]) == 1
    deleted = await client.delete(
        f"/api/v1/problems-solved/{solved.json()['id']}", headers=world.auth("staff")
    )
    assert deleted.status_code == 204


@pytest.mark.parametrize("role", ["member", "department", "leader", "auditor"])
async def test_only_staff_and_admin_write(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    response = await client.post(
        "/api/v1/theme-tasks",
        json={"year": 2023, "area": "a", "title": "t"},
        headers=world.auth(role),
    )
    assert_problem(response, 403, "forbidden")


@pytest.mark.parametrize("role", ["member", "department"])
async def test_members_and_departments_do_not_read(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    assert_problem(
        await client.get("/api/v1/party-branches", headers=world.auth(role)), 403, "forbidden"
    )


async def test_other_organisation_sees_nothing(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    branch = await _branch(client, world)
    assert_problem(
        await client.get(
            f"/api/v1/party-branches/{branch['id']}", headers=other_world.auth("staff")
        ),
        404,
        "not_found",
    )
    assert_problem(
        await client.post(
            f"/api/v1/party-branches/{branch['id']}/partners",
            json={"name": "x"},
            headers=other_world.auth("staff"),
        ),
        404,
        "not_found",
    )
    listed = await client.get("/api/v1/party-branches", headers=other_world.auth("staff"))
    assert listed.json()["items"] == []
    foreign_branch = await client.post(
        "/api/v1/joint-activities",
        json={"branch_id": branch["id"], "kind": "study", "title": "t", "held_on": "2023-01-01"},
        headers=other_world.auth("staff"),
    )
    body = assert_problem(foreign_branch, 422, "validation_error")
    assert body["errors"][0]["loc"] == ["body", "branch_id"]


async def test_one_branch_per_committee(client: httpx.AsyncClient, world: World) -> None:
    branch = await _branch(client, world)
    again = await client.post(
        "/api/v1/party-branches",
        json={"name": "重复", "committee_id": branch["committee_id"]},
        headers=world.auth("staff"),
    )
    assert_problem(again, 409, "conflict")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/theme-tasks", {"year": 1800, "area": "a", "title": "t"}),
        ("/api/v1/theme-tasks", {"year": 2023, "area": "", "title": "t"}),
        ("/api/v1/joint-activities", {"kind": "party", "title": "t", "held_on": "2023-01-01"}),
        ("/api/v1/joint-activities", {"kind": "study", "title": "t", "held_on": "2023-02-30"}),
        (
            "/api/v1/joint-activities",
            {
                "kind": "study",
                "title": "t",
                "held_on": "2023-01-01",
                "party_member_participations": -1,
            },
        ),
        ("/api/v1/problems-solved", {"title": "x" * 201, "solved_on": "2023-01-01"}),
        ("/api/v1/problems-solved", {"title": "t", "solved_on": "2023-01-01", "extra": 1}),
    ],
)
async def test_bad_input_is_422(
    client: httpx.AsyncClient, world: World, path: str, body: dict[str, Any]
) -> None:
    assert_problem(
        await client.post(path, json=body, headers=world.auth("staff")), 422, "validation_error"
    )
