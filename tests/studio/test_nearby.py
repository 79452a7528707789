"""``GET /studios/nearby`` across organisations (api.md): without ``organisation_id`` the circle
spans every organisation's active studios, nearest first; public; bad input is a 422."""

from __future__ import annotations

import random
import uuid

import httpx
import pytest

from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.studio.factories import API, east_of, make_studio, north_of, reference_haversine

pytestmark = pytest.mark.asyncio


def _lonely_centre() -> tuple[float, float]:
    """A point of this test's own: every test of the run shares one database, and a circle
    without an organisation filter would meet the other tests' studios near the usual centre."""
    rng = random.Random(uuid.uuid4().int)
    return rng.uniform(-60, 60), rng.uniform(-170, 170)


async def _nearby(client: httpx.AsyncClient, **params: object) -> httpx.Response:
    return await client.get(f"{API}/studios/nearby", params=params)


async def test_without_organisation_the_circle_spans_every_organisation(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    centre = _lonely_centre()
    ours = await make_studio(client, world, north_of(centre, 300), name="ours 300 m")
    theirs = await make_studio(client, other_world, east_of(centre, 120), name="theirs 120 m")
    await make_studio(client, other_world, north_of(centre, 40), name="closed", active=False)
    await make_studio(client, world, east_of(centre, 900), name="too far")
    response = await _nearby(client, lat=centre[0], lon=centre[1])  # no Authorization at all
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["id"], i["organisation_id"]) for i in items] == [
        (theirs["id"], str(other_world.organisation_id)),
        (ours["id"], str(world.organisation_id)),
    ]
    for item in items:
        expected = reference_haversine(*centre, item["lat"], item["lon"])
        assert item["distance_m"] == pytest.approx(expected, rel=0.02)
        assert item["walk_minutes"] == pytest.approx(expected / 80, abs=0.06)
        assert "convener_member_id" not in item
    only_ours = await _nearby(
        client, lat=centre[0], lon=centre[1], organisation_id=str(world.organisation_id)
    )
    assert [i["id"] for i in only_ours.json()["items"]] == [ours["id"]]
    wider = await _nearby(client, lat=centre[0], lon=centre[1], minutes=12)
    assert [i["name"] for i in wider.json()["items"]] == ["theirs 120 m", "ours 300 m", "too far"]


async def test_a_studio_made_inactive_leaves_every_circle(
    client: httpx.AsyncClient, world: World
) -> None:
    centre = _lonely_centre()
    studio = await make_studio(client, world, north_of(centre, 10))
    assert [i["id"] for i in (await _nearby(client, lat=centre[0], lon=centre[1])).json()["items"]]
    closed = await client.patch(
        f"{API}/studios/{studio['id']}", json={"active": False}, headers=world.auth("staff")
    )
    assert closed.status_code == 200, closed.text
    for scope in ({}, {"organisation_id": str(world.organisation_id)}):
        after = await _nearby(client, lat=centre[0], lon=centre[1], **scope)
        assert after.status_code == 200 and after.json()["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"lat": 91, "lon": 0},
        {"lat": -90.5, "lon": 0},
        {"lat": 0, "lon": 180.5},
        {"lat": 0, "lon": -181},
        {"lat": "x", "lon": 0},
        {"lon": 0},
        {"lat": 0},
        {"lat": 0, "lon": 0, "minutes": 0},
        {"lat": 0, "lon": 0, "minutes": 121},
        {"lat": 0, "lon": 0, "minutes": "ten"},
        {"lat": 0, "lon": 0, "limit": 0},
        {"lat": 0, "lon": 0, "organisation_id": "not-an-id"},
    ],
)
async def test_bad_points_minutes_and_filters_are_422(
    client: httpx.AsyncClient, params: dict[str, object]
) -> None:
    assert_problem(await _nearby(client, **params), 422, "validation_error")
