"""Studios, the service circle, coverage, stationing: on both databases."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_conventions import assert_problem
from tests.conftest import World
from tests.studio.factories import (
    API,
    CENTRE,
    east_of,
    event_types,
    make_member,
    make_studio,
    member_login,
    north_of,
    reference_haversine,
)

pytestmark = pytest.mark.asyncio


async def _nearby(client: httpx.AsyncClient, world: World, **params: object) -> httpx.Response:
    query = {"organisation_id": str(world.organisation_id), "lat": CENTRE[0], "lon": CENTRE[1]}
    return await client.get(f"{API}/studios/nearby", params={**query, **params})


async def test_studio_crud_roles_and_events(
    client: httpx.AsyncClient, world: World, other_world: World, engine: AsyncEngine
) -> None:
    studio = await make_studio(client, world, CENTRE, kind="parlour", theme="首善有爱")
    assert studio["current_rating"] is None and studio["active"] is True
    url = f"{API}/studios/{studio['id']}"
    for role in ("member", "auditor", "leader", "admin"):
        assert (await client.get(url, headers=world.auth(role))).status_code == 200
    changed = await client.patch(
        url, json={"theme": "台青驿站"}, headers={**world.auth("leader"), "If-Match": '"1"'}
    )
    assert changed.status_code == 200 and changed.json()["theme"] == "台青驿站"
    assert await event_types(engine, studio["id"]) == ["studio.created", "studio.updated"]
    body = {"kind": "post", "name": "协商驿站", "lat": 1, "lon": 2}
    for role in ("member", "auditor", "department"):
        refused = await client.post(f"{API}/studios", json=body, headers=world.auth(role))
        assert_problem(refused, 403, "forbidden")
    assert_problem(await client.get(url, headers=world.auth("department")), 403, "forbidden")
    assert_problem(await client.get(url, headers=other_world.auth("staff")), 404, "not_found")
    patch = await client.patch(url, json={"active": False}, headers=other_world.auth("staff"))
    assert_problem(patch, 404, "not_found")
    listed = await client.get(f"{API}/studios", headers=other_world.auth("staff"))
    assert listed.json()["items"] == []


async def test_studio_input_is_validated(client: httpx.AsyncClient, world: World) -> None:
    bad = [
        {"kind": "museum", "name": "x", "lat": 1, "lon": 1},
        {"kind": "studio", "name": "x", "lat": 91, "lon": 1},
        {"kind": "studio", "name": "x", "lat": 1, "lon": 181},
        {"kind": "studio", "name": "", "lat": 1, "lon": 1},
        {"kind": "studio", "name": "x", "lat": 1, "lon": 1, "region_id": str(uuid.uuid4())},
    ]
    for body in bad:
        response = await client.post(f"{API}/studios", json=body, headers=world.auth("staff"))
        assert_problem(response, 422, "validation_error")
    studio = await make_studio(client, world, CENTRE)
    null_lat = await client.patch(
        f"{API}/studios/{studio['id']}", json={"lat": None}, headers=world.auth("staff")
    )
    assert_problem(null_lat, 422, "validation_error")


async def test_nearby_is_public_nearest_first_with_honest_distances(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    edge_in = await make_studio(client, world, north_of(CENTRE, 799), name="799 m")
    await make_studio(client, world, north_of(CENTRE, 801), name="801 m")
    east = await make_studio(client, world, east_of(CENTRE, 500), name="500 m")
    corner = north_of(east_of(CENTRE, 700), 700)  # inside the box, outside the circle
    await make_studio(client, world, corner, name="corner")
    await make_studio(client, world, north_of(CENTRE, 100), name="closed", active=False)
    await make_studio(client, other_world, north_of(CENTRE, 50), name="elsewhere")
    response = await _nearby(client, world)  # no Authorization header at all
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["radius_m"] == 800 and body["minutes"] == 10
    assert [s["id"] for s in body["items"]] == [east["id"], edge_in["id"]]
    for item in body["items"]:
        expected = reference_haversine(*CENTRE, item["lat"], item["lon"])
        assert item["distance_m"] == pytest.approx(expected, rel=0.02)
        assert item["walk_minutes"] == pytest.approx(expected / 80, abs=0.06)
        assert "convener_member_id" not in item
    wider = (await _nearby(client, world, minutes=15)).json()["items"]
    assert {s["name"] for s in wider} == {"500 m", "799 m", "801 m", "corner"}
    assert [
        s["name"] for s in (await _nearby(client, world, minutes=15, limit=1)).json()["items"]
    ] == ["500 m"]


@pytest.mark.parametrize(
    "params",
    [{"lat": 91}, {"lat": -90.5}, {"lon": 180.5}, {"minutes": 0}, {"minutes": 121}, {"lat": "x"}],
)
async def test_nearby_refuses_bad_coordinates_and_minutes(
    client: httpx.AsyncClient, world: World, params: dict[str, object]
) -> None:
    assert_problem(await _nearby(client, world, **params), 422, "validation_error")


async def test_nearby_filter_names_a_known_organisation(client: httpx.AsyncClient) -> None:
    query = {"lat": CENTRE[0], "lon": CENTRE[1]}
    unknown = await client.get(
        f"{API}/studios/nearby", params={**query, "organisation_id": str(uuid.uuid4())}
    )
    assert_problem(unknown, 404, "not_found")


async def _region(client: httpx.AsyncClient, world: World, **body: object) -> str:
    response = await client.post(f"{API}/regions", json=body, headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_coverage_share_on_a_hand_made_map(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    town = await _region(client, world, name="首南街道", level="town")
    other_town = await _region(client, world, name="下应街道", level="town")
    far = north_of(CENTRE, 5_000)
    at_studio = await _region(
        client, world, name="甲村", level="village", parent_id=town, lat=CENTRE[0], lon=CENTRE[1]
    )
    near = east_of(CENTRE, 700)
    await _region(
        client, world, name="乙村", level="village", parent_id=town, lat=near[0], lon=near[1]
    )
    uncovered = await _region(
        client, world, name="丙村", level="village", parent_id=town, lat=far[0], lon=far[1]
    )
    await _region(client, world, name="丁村", level="village", parent_id=town)  # no centre
    elsewhere = north_of(CENTRE, 20_000)
    await _region(
        client,
        world,
        name="戊村",
        level="village",
        parent_id=other_town,
        lat=elsewhere[0],
        lon=elsewhere[1],
    )
    studio = await make_studio(client, world, CENTRE)
    await make_studio(client, world, north_of(far, 10), active=False)  # closed: covers nothing
    await make_studio(client, other_world, north_of(far, 10))  # another organisation's
    await make_studio(client, world, north_of(elsewhere, 300))
    response = await client.get(
        f"{API}/studios/coverage", params={"region_id": town}, headers=world.auth("leader")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["villages_total"], body["villages_covered"], body["unlocated"]) == (3, 2, 1)
    assert body["share"] == pytest.approx(2 / 3)
    by_id = {v["id"]: v for v in body["villages"]}
    assert by_id[at_studio]["nearest_studio_id"] == studio["id"]
    assert by_id[at_studio]["distance_m"] == 0 and by_id[uncovered]["covered"] is False
    everywhere = (await client.get(f"{API}/studios/coverage", headers=world.auth("auditor"))).json()
    assert (everywhere["villages_total"], everywhere["villages_covered"]) == (4, 3)
    assert everywhere["share"] == pytest.approx(3 / 4)
    short = await client.get(
        f"{API}/studios/coverage",
        params={"region_id": town, "minutes": 5},
        headers=world.auth("staff"),
    )
    assert short.json()["villages_covered"] == 1
    for role, status, code in (("member", 403, "forbidden"), ("department", 403, "forbidden")):
        refused = await client.get(f"{API}/studios/coverage", headers=world.auth(role))
        assert_problem(refused, status, code)
    foreign = await client.get(
        f"{API}/studios/coverage", params={"region_id": town}, headers=other_world.auth("staff")
    )
    assert_problem(foreign, 404, "not_found")


async def test_memberships_duplicates_and_convener_rule(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    studio = await make_studio(client, world, CENTRE, convener_member_id=str(world.member_id))
    url = f"{API}/studios/{studio['id']}/memberships"
    other = await make_member(client, world)
    first = {"member_id": other["id"], "since": "2023-01-01"}
    created = await client.post(url, json=first, headers=world.auth("member"))
    assert created.status_code == 201, created.text
    assert created.json()["until"] is None
    again = await client.post(url, json={"member_id": other["id"]}, headers=world.auth("staff"))
    assert_problem(again, 409, "conflict")
    ended = await client.patch(
        f"{url}/{created.json()['id']}",
        json={"until": str(date.today() - timedelta(days=2))},
        headers=world.auth("member"),
    )
    assert ended.status_code == 200, ended.text
    later = await client.post(
        url,
        json={"member_id": other["id"], "since": str(date.today() + timedelta(days=2))},
        headers=world.auth("staff"),
    )
    assert later.status_code == 201, later.text
    bad_period = {"member_id": other["id"], "since": "2023-05-01", "until": "2023-04-01"}
    response = await client.post(url, json=bad_period, headers=world.auth("staff"))
    assert_problem(response, 422, "validation_error")
    foreign_member = await client.post(
        url, json={"member_id": str(other_world.member_id)}, headers=world.auth("staff")
    )
    assert_problem(foreign_member, 422, "validation_error")
    not_convener = await member_login(client, world, other["id"])
    refused = await client.post(url, json={"member_id": other["id"]}, headers=not_convener)
    assert_problem(refused, 403, "forbidden")
    assert_problem(
        await client.post(url, json={"member_id": other["id"]}, headers=world.auth("auditor")),
        403,
        "forbidden",
    )
    assert_problem(await client.get(url, headers=other_world.auth("staff")), 404, "not_found")
    listed = await client.get(url, headers=world.auth("auditor"))
    assert len(listed.json()["items"]) == 2


async def test_members_not_yet_stationed(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    open_studio = await make_studio(client, world, CENTRE)
    closed_studio = await make_studio(client, world, CENTRE, active=False)
    stationed, in_closed, left = [await make_member(client, world) for _ in range(3)]
    for member, studio, until in (
        (stationed, open_studio, None),
        (in_closed, closed_studio, None),
        (left, open_studio, str(date.today() - timedelta(days=2))),
    ):
        body = {"member_id": member["id"], "since": "2023-01-01", "until": until}
        response = await client.post(
            f"{API}/studios/{studio['id']}/memberships", json=body, headers=world.auth("staff")
        )
        assert response.status_code == 201, response.text
    names = {}
    for flag in ("false", "true"):
        page = await client.get(
            f"{API}/members", params={"stationed": flag, "limit": 100}, headers=world.auth("staff")
        )
        assert page.status_code == 200, page.text
        names[flag] = {m["id"] for m in page.json()["items"]}
    assert names["true"] == {stationed["id"]}
    assert names["false"] == {str(world.member_id), in_closed["id"], left["id"]}
    foreign = await client.get(
        f"{API}/members", params={"stationed": "false"}, headers=other_world.auth("staff")
    )
    assert {m["id"] for m in foreign.json()["items"]} == {str(other_world.member_id)}
    bad = await client.get(
        f"{API}/members", params={"stationed": "maybe"}, headers=world.auth("staff")
    )
    assert_problem(bad, 422, "validation_error")
