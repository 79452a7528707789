"""Bad input is a 4xx problem, never a 500, whichever resource it reaches: each class of it is
refused at one layer (``Input`` for bodies, ``SafeText`` for URLs, ``Patch`` for nulls, the
bounded types for numbers), so these tests reach several resources through each layer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.api.test_auth import problem
from tests.api.test_org import API
from tests.conftest import World

NUL, SURROGATE, CONTROL = "\u0000", "\ud800", "\u0007"

# collection → a valid create body whose first text field is ``TEXT``
BODIES: dict[str, dict[str, Any]] = {
    "sectors": {"name": "TEXT"},
    "committees": {"name": "TEXT"},
    "api-keys": {"name": "TEXT"},
    "theme-tasks": {"area": "TEXT", "year": 2023, "title": "主题任务"},
    "problems-solved": {"title": "TEXT", "solved_on": "2023-05-01"},
    "campaigns": {"name": "TEXT", "starts_on": "2023-01-01", "ends_on": "2023-12-31"},
    "studios": {"name": "TEXT", "kind": "studio", "lat": 29.8, "lon": 121.5},
    "supervision-topics": {"title": "TEXT", "year": 2023},
}


def raw_json(body: dict[str, Any], text: str) -> bytes:
    """``body`` with ``TEXT`` replaced by ``text`` as a JSON escape (``\\u0000``, ``\\ud800``):
    what a client sends; a lone surrogate cannot even be encoded as UTF-8 by httpx itself."""
    escaped = json.dumps(text)[1:-1]
    return json.dumps(body).replace("TEXT", escaped).encode()


async def send(
    client: httpx.AsyncClient, world: World, method: str, path: str, content: bytes
) -> httpx.Response:
    # Supervision is the office's work: staff run it, the admin keeps the organisation.
    role = "staff" if path.startswith("supervision") else "admin"
    headers = {**world.auth(role), "Content-Type": "application/json"}
    return await client.request(method, f"{API}/{path}", content=content, headers=headers)


@pytest.mark.parametrize("text", [NUL, SURROGATE, CONTROL], ids=["nul", "surrogate", "control"])
@pytest.mark.parametrize("collection", list(BODIES))
async def test_unsafe_text_in_any_create_body_is_422(
    client: httpx.AsyncClient, world: World, collection: str, text: str
) -> None:
    body = BODIES[collection]
    if collection == "supervision-topics":
        body = {**body, "department_ids": [str(world.departments[0])]}
    response = await send(client, world, "POST", collection, raw_json(body, f"名{text}称"))
    found = problem(response, 422, "validation_error")
    assert found["errors"][0]["loc"][0] == "body"


@pytest.mark.parametrize("text", [NUL, SURROGATE], ids=["nul", "surrogate"])
async def test_unsafe_text_in_patches_lists_and_settings_is_422(
    client: httpx.AsyncClient, world: World, text: str
) -> None:
    created = await client.post(
        f"{API}/sectors", json={"name": "经济界"}, headers=world.auth("admin")
    )
    sector = created.json()["id"]
    cases = [
        ("PATCH", f"sectors/{sector}", {"name": "TEXT"}),
        ("PATCH", "organisation/settings", {"timezone": "TEXT"}),
        ("POST", "plans", {"year": 2023, "title": "计划", "topics": ["ok", "TEXT"]}),
        ("POST", "webhook-subscriptions", {"url": "https://e.example/TEXT", "event_types": ["*"]}),
    ]
    for method, path, body in cases:
        response = await send(client, world, method, path, raw_json(body, text))
        problem(response, 422, "validation_error")
    # Tabs and line breaks are text people write: still accepted.
    response = await send(
        client, world, "PATCH", f"sectors/{sector}", raw_json({"name": "TEXT"}, "甲\t乙")
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "url",
    [
        "/consultations?q=%00",
        "/consultations?q=a%07b",
        "/theme-tasks?area=%00",
        "/experts?field=x%00",
        "/audit-entries?entity_type=%00",
        "/meta/workflows/%00",
        "/sectors/%00",
        "/consultations.ics?token=%00",
        "/studios?%00=1",
    ],
)
async def test_unsafe_text_in_query_strings_and_paths_is_422(
    client: httpx.AsyncClient, world: World, url: str
) -> None:
    response = await client.get(f"{API}{url}", headers=world.auth("admin"))
    found = problem(response, 422, "validation_error")
    assert found["errors"][0]["loc"][0] in {"query", "path"}


async def test_unsafe_text_in_the_login_form_is_422(client: httpx.AsyncClient) -> None:
    for form in ({"username": f"a{NUL}b", "password": "x"}, {"username": "a", "password": NUL}):
        problem(await client.post(f"{API}/auth/token", data=form), 422, "validation_error")


async def test_a_bad_calendar_token_is_401_or_422(client: httpx.AsyncClient) -> None:
    for token, status in (("no-such-token", 401), ("x" * 101, 422), ("", 401), ("%00", 422)):
        response = await client.get(f"{API}/consultations.ics?token={token}")
        problem(response, status, "unauthenticated" if status == 401 else "validation_error")


# --- nulls in PATCH --------------------------------------------------------------------------


async def test_null_for_a_required_field_of_any_patch_is_422(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin")
    campaign = await client.post(f"{API}/campaigns", json=BODIES["campaigns"], headers=admin)
    plan = await client.post(f"{API}/plans", json={"year": 2023, "title": "计划"}, headers=admin)
    platforms = await client.get(f"{API}/platforms", headers=admin)
    platform = platforms.json()["items"][0]["id"]
    task = await client.post(
        f"{API}/theme-tasks", json={"year": 2023, "area": "a", "title": "t"}, headers=admin
    )
    refused = [
        (f"campaigns/{campaign.json()['id']}", {"name": None}),
        (f"campaigns/{campaign.json()['id']}", {"starts_on": None}),
        (f"plans/{plan.json()['id']}", {"title": None}),
        (f"plans/{plan.json()['id']}", {"topics": None}),
        (f"platforms/{platform}", {"name": None}),
        (f"platforms/{platform}", {"level": None}),
        (f"theme-tasks/{task.json()['id']}", {"done": None}),
        ("organisation/settings", {"reminder_before": None}),
    ]
    for path, body in refused:
        response = await client.patch(f"{API}/{path}", json=body, headers=admin)
        found = problem(response, 422, "validation_error")
        assert found["errors"][0]["loc"] == ["body", next(iter(body))], found
    # Nullable by contract: null clears them.
    cleared = await client.patch(
        f"{API}/platforms/{platform}", json={"annual_target": None}, headers=admin
    )
    assert cleared.status_code == 200 and cleared.json()["annual_target"] is None, cleared.text


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/theme-tasks?year=-5161303736",
        "/theme-tasks?year=99999999999999999999",
        "/theme-tasks?year=1948",
        "/consultations?year=2101",
        "/plans?year=-1",
        "/supervision-topics?year=3000000000",
        "/consultations?limit=9223372036854775808",
        "/scorecards/-5161303736",
    ],
)
async def test_numbers_out_of_range_in_the_url_are_422(
    client: httpx.AsyncClient, world: World, url: str
) -> None:
    problem(await client.get(f"{API}{url}", headers=world.auth("admin")), 422, "validation_error")


async def test_round_filters_are_bounded(client: httpx.AsyncClient, world: World) -> None:
    case = "00000000-0000-7000-8000-000000000000"
    for what in ("feedback", "evaluations"):
        response = await client.get(
            f"{API}/supervision-cases/{case}/{what}?round=4294967296", headers=world.auth("admin")
        )
        problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("theme-tasks", {"year": -5161303736, "area": "a", "title": "t"}),
        ("theme-tasks", {"year": 2**63, "area": "a", "title": "t"}),
        ("platforms", {"name": "平台", "level": "town", "annual_target": 2**31}),
        (
            "joint-activities",
            {
                "kind": "study",
                "title": "t",
                "held_on": "2023-01-01",
                "party_member_participations": -1,
            },
        ),
        ("experts", {"name": "专家", "field": "法律", "batch": 2**40}),
    ],
)
async def test_numbers_out_of_range_in_bodies_are_422(
    client: httpx.AsyncClient, world: World, path: str, body: dict[str, Any]
) -> None:
    response = await client.post(f"{API}/{path}", json=body, headers=world.auth("admin"))
    problem(response, 422, "validation_error")
