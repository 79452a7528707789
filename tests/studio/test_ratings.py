"""The studio_rating machine (domain.md §3.5): every edge allowed and refused, and the worker's
expiry with its reminder."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.worker import jobs
from shared import clock
from shared.db import make_sessionmaker
from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.studio.factories import API, CENTRE, event_types, make_member, make_studio, member_login

pytestmark = pytest.mark.asyncio

THIS_YEAR = clock.today("Asia/Shanghai").year


async def _rating(
    client: httpx.AsyncClient, world: World, year: int = THIS_YEAR
) -> tuple[dict[str, Any], dict[str, Any]]:
    studio = await make_studio(client, world, CENTRE, convener_member_id=str(world.member_id))
    response = await client.post(
        f"{API}/studios/{studio['id']}/ratings",
        json={"year": year, "stars": 5, "self_assessment": "自评: 年度活动 12 场"},
        headers=world.auth("member"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "draft"
    return studio, response.json()


async def _act(
    client: httpx.AsyncClient, headers: dict[str, str], rating: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/studio-ratings/{rating['id']}/transitions", json=body, headers=headers
    )


async def _state(client: httpx.AsyncClient, world: World, rating: dict[str, Any]) -> str:
    response = await client.get(
        f"{API}/studio-ratings/{rating['id']}", headers=world.auth("auditor")
    )
    return str(response.json()["state"])


async def test_district_award_by_a_leader(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    studio, rating = await _rating(client, world)
    for role in ("staff", "leader"):  # only the convener submits, whatever the state
        assert_problem(
            await _act(client, world.auth(role), rating, action="submit"), 403, "forbidden"
        )
    not_convener = await member_login(client, world, (await make_member(client, world))["id"])
    assert_problem(await _act(client, not_convener, rating, action="submit"), 403, "forbidden")
    submitted = await _act(client, world.auth("member"), rating, action="submit")
    assert submitted.status_code == 200 and submitted.json()["state"] == "district_review"
    refused = await _act(client, world.auth("member"), rating, action="recommend")
    assert_problem(refused, 403, "forbidden")  # the office recommends, never the convener
    staff_award = await _act(
        client, world.auth("staff"), rating, action="award", stars=4, level="district"
    )
    assert_problem(staff_award, 409, "invalid_transition")
    wrong_level = await _act(
        client, world.auth("leader"), rating, action="award", stars=4, level="province"
    )
    assert_problem(wrong_level, 422, "validation_error")
    no_stars = await _act(client, world.auth("leader"), rating, action="award", level="district")
    assert_problem(no_stars, 422, "validation_error")
    awarded = await _act(
        client,
        world.auth("leader"),
        rating,
        action="award",
        stars=4,
        level="district",
        comment="好",
    )
    assert awarded.status_code == 200, awarded.text
    assert (awarded.json()["state"], awarded.json()["stars"]) == ("awarded", 4)
    # Default validity: the end of the year after the rating's, in Asia/Shanghai.
    assert datetime.fromisoformat(awarded.json()["valid_until"]) == datetime.fromisoformat(
        f"{THIS_YEAR + 2}-01-01T00:00:00+08:00"
    )
    shown = (await client.get(f"{API}/studios/{studio['id']}", headers=world.auth("member"))).json()
    assert shown["current_rating"]["stars"] == 4 and shown["current_rating"]["level"] == "district"
    assert "studio.rating_awarded" in await event_types(engine, studio["id"])
    assert await event_types(engine, rating["id"]) == [
        "studio_rating.submitted",
        "studio_rating.awarded",
    ]
    for action in ("recommend", "reject"):
        again = await _act(client, world.auth("leader"), rating, action=action)
        body = assert_problem(again, 409, "invalid_transition")
        assert body["state"] == "awarded" and body["allowed_actions"] == []
    again = await _act(client, world.auth("leader"), rating, action="submit")
    assert_problem(again, 403, "forbidden")


async def test_upper_award_recorded_by_staff_and_rejections(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    studio, rating = await _rating(client, world)
    assert_problem(
        await _act(client, world.auth("staff"), rating, action="reject"), 409, "invalid_transition"
    )
    await _act(client, world.auth("member"), rating, action="submit")
    recommended = await _act(client, world.auth("staff"), rating, action="recommend")
    assert recommended.json()["state"] == "upper_review"
    district = await _act(
        client, world.auth("staff"), rating, action="award", stars=5, level="district"
    )
    assert_problem(district, 422, "validation_error")
    province = await _act(
        client, world.auth("staff"), rating, action="award", stars=5, level="province"
    )
    assert province.status_code == 200 and province.json()["level"] == "province"
    for role in ("auditor", "department", "admin"):
        assert_problem(
            await _act(client, world.auth(role), rating, action="reject"), 403, "forbidden"
        )
    assert_problem(
        await _act(client, other_world.auth("staff"), rating, action="reject"), 404, "not_found"
    )
    # A second cycle of the same year is refused while one is won; another year may start.
    again = await client.post(
        f"{API}/studios/{studio['id']}/ratings",
        json={"year": THIS_YEAR},
        headers=world.auth("staff"),
    )
    assert_problem(again, 409, "conflict")
    _, second = await _rating(client, world, year=THIS_YEAR + 1)
    await _act(client, world.auth("member"), second, action="submit")
    rejected = await _act(client, world.auth("leader"), second, action="reject", comment="材料不全")
    assert rejected.json()["state"] == "rejected"
    _, third = await _rating(client, world, year=THIS_YEAR + 1)
    await _act(client, world.auth("member"), third, action="submit")
    await _act(client, world.auth("leader"), third, action="recommend")
    assert (await _act(client, world.auth("staff"), third, action="reject")).json()[
        "state"
    ] == "rejected"
    timeline = await client.get(
        f"{API}/studio-ratings/{third['id']}/timeline", headers=world.auth("auditor")
    )
    assert [e["action"] for e in timeline.json()] == ["created", "submit", "recommend", "reject"]


async def test_transition_fields_are_validated(client: httpx.AsyncClient, world: World) -> None:
    _, rating = await _rating(client, world)
    for body in (
        {"action": "promote"},
        {"action": "submit", "stars": 3},
        {"action": "award", "stars": 6, "level": "district"},
        {"action": "award", "stars": 3, "level": "county"},
    ):
        response = await _act(client, world.auth("member"), rating, **body)
        assert_problem(response, 422, "validation_error")
    bad_year = await client.post(
        f"{API}/studios/{rating['studio_id']}/ratings",
        json={"year": 1800},
        headers=world.auth("staff"),
    )
    assert_problem(bad_year, 422, "validation_error")


async def test_worker_reminds_then_expires_the_award(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    studio, rating = await _rating(client, world)
    await _act(client, world.auth("member"), rating, action="submit")
    awarded = await _act(
        client, world.auth("leader"), rating, action="award", stars=5, level="district"
    )
    valid_until = datetime.fromisoformat(awarded.json()["valid_until"])
    sessionmaker = make_sessionmaker(engine)
    # The reminder comes rating_reminder_before (default 30 days) ahead of expiry.
    clock.advance(valid_until - clock.now() - timedelta(days=29))
    await jobs.sweep(sessionmaker, None)
    assert await _state(client, world, rating) == "awarded"
    timeline = (
        await client.get(
            f"{API}/studio-ratings/{rating['id']}/timeline", headers=world.auth("staff")
        )
    ).json()
    assert timeline[-1]["action"] == "expiry_reminder" and timeline[-1]["actor"] == "system"
    studio_now = (
        await client.get(f"{API}/studios/{studio['id']}", headers=world.auth("staff"))
    ).json()
    assert studio_now["current_rating"]["id"] == rating["id"]
    clock.advance(timedelta(days=29, minutes=1))
    await jobs.sweep(sessionmaker, None)
    assert await _state(client, world, rating) == "expired"
    studio_now = (
        await client.get(f"{API}/studios/{studio['id']}", headers=world.auth("staff"))
    ).json()
    assert studio_now["current_rating"] is None
    types = await event_types(engine, studio["id"])
    assert types[-2:] == ["studio.rating_awarded", "studio.rating_expired"]
    assert (await event_types(engine, rating["id"]))[-2:] == [
        "studio_rating.expiry_reminder",
        "studio_rating.expired",
    ]


async def test_workflow_is_served_as_data(client: httpx.AsyncClient, world: World) -> None:
    described = await client.get(f"{API}/meta/workflows/studio_rating", headers=world.auth("staff"))
    actions = {a["name"]: a for a in described.json()["actions"]}
    assert actions["submit"]["roles"] == ["member"]
    assert actions["expire"]["auto"] is True
    assert set(actions["award"]["from"]) == {"district_review", "upper_review"}
