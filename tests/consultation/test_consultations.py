"""Consultations: the machine per role, filters (the business year in Asia/Shanghai, Chinese
text), refusals of bad input, and another organisation's sessions."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import World
from tests.consultation.conftest import (
    API,
    add_region,
    held_consultation,
    move,
    new_consultation,
    ok,
    platform_id,
    problem,
)

pytestmark = pytest.mark.asyncio

WHEN = "2023-04-27T09:30:00+08:00"


async def test_every_edge_allowed_and_refused(client: httpx.AsyncClient, world: World) -> None:
    cid = (await new_consultation(client, world))["id"]
    assert (
        ok(await client.get(f"{API}/consultations/{cid}", headers=world.auth("staff")))["state"]
        == "planned"
    )
    # Wrong state: hold before schedule; conclude before hold.
    problem(
        await move(client, world, "consultations", cid, "hold", public_participants=1),
        409,
        "invalid_transition",
    )
    problem(await move(client, world, "consultations", cid, "conclude"), 409, "invalid_transition")
    # Wrong role: only staff move sessions; the worker's close is no one's button.
    for role in ("leader", "member", "department", "auditor", "admin"):
        problem(
            await move(
                client, world, "consultations", cid, "schedule", role, scheduled_at=WHEN, venue="x"
            ),
            403,
            "forbidden",
        )
    problem(await move(client, world, "consultations", cid, "close"), 403, "forbidden")
    # schedule needs a time and a venue
    problem(await move(client, world, "consultations", cid, "schedule"), 422, "validation_error")
    body = ok(
        await move(
            client, world, "consultations", cid, "schedule", scheduled_at=WHEN, venue="区行政中心"
        )
    )
    assert body["state"] == "scheduled" and body["venue"] == "区行政中心"
    body = ok(
        await move(
            client,
            world,
            "consultations",
            cid,
            "hold",
            public_participants=45,
            principal_leader_attended=True,
        )
    )
    assert (body["state"], body["public_participants"], body["principal_leader_attended"]) == (
        "held",
        45,
        True,
    )
    problem(await move(client, world, "consultations", cid, "cancel"), 409, "invalid_transition")
    body = ok(await move(client, world, "consultations", cid, "conclude", minutes="纪要"))
    assert body["state"] == "concluded" and body["minutes"] == "纪要"
    timeline = ok(
        await client.get(f"{API}/consultations/{cid}/timeline", headers=world.auth("auditor"))
    )
    assert [e["action"] for e in timeline] == ["created", "schedule", "hold", "conclude"]


async def test_cancel_from_planned_and_scheduled(client: httpx.AsyncClient, world: World) -> None:
    first = (await new_consultation(client, world))["id"]
    assert ok(await move(client, world, "consultations", first, "cancel"))["state"] == "cancelled"
    second = (await new_consultation(client, world, scheduled_at=WHEN, venue="会议室"))["id"]
    ok(await move(client, world, "consultations", second, "schedule"))
    assert ok(await move(client, world, "consultations", second, "cancel"))["state"] == (
        "cancelled"
    )
    problem(
        await move(client, world, "consultations", second, "schedule"), 409, "invalid_transition"
    )


async def test_events_are_emitted_for_every_move(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    from sqlalchemy import select

    from shared.db import make_sessionmaker
    from shared.events import Event

    cid = (await held_consultation(client, world))["id"]
    async with make_sessionmaker(engine)() as session:
        types = (
            await session.scalars(
                select(Event.type)
                .where(Event.subject_id == __import__("uuid").UUID(cid))
                .order_by(Event.sequence)
            )
        ).all()
    assert types == ["consultation.created", "consultation.scheduled", "consultation.held"]


async def test_year_filter_uses_the_organisations_time_zone(
    client: httpx.AsyncClient, world: World
) -> None:
    late = await new_consultation(
        client, world, title="跨年协商", scheduled_at="2023-12-31T23:30:00+08:00"
    )
    early = await new_consultation(
        client, world, title="新年协商", scheduled_at="2024-01-01T00:10:00+08:00"
    )
    in_2023 = ok(await client.get(f"{API}/consultations?year=2023", headers=world.auth("staff")))
    in_2024 = ok(await client.get(f"{API}/consultations?year=2024", headers=world.auth("staff")))
    assert [c["id"] for c in in_2023["items"]] == [late["id"]]
    assert [c["id"] for c in in_2024["items"]] == [early["id"]]
    # 23:30 in Shanghai is 15:30 UTC: the UTC calendar would agree here, but 00:10 local on
    # 1 January is still 2023 in UTC, and must not count for 2023.
    stored = datetime.fromisoformat(early["scheduled_at"])
    assert stored == datetime(2023, 12, 31, 16, 10, tzinfo=UTC)


async def test_filters_and_chinese_text_search(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    town = await add_region(engine, world, "钟公庙街道", "town")
    town_platform = await platform_id(client, world, "民生议事堂")
    campaign = ok(
        await client.post(
            f"{API}/campaigns",
            json={"name": "民生议事助首善", "starts_on": "2023-06-01", "ends_on": "2023-08-31"},
            headers=world.auth("staff"),
        ),
        201,
    )
    market = await new_consultation(
        client,
        world,
        title="菜市场改造升级",
        topic="菜篮子工程",
        platform_id=town_platform,
        region_id=str(town),
        campaign_id=campaign["id"],
    )
    stairs = await new_consultation(client, world, title="社区楼道改造", topic="架空层 100%_改造")
    ok(await move(client, world, "consultations", stairs["id"], "cancel"))

    async def ids(query: str) -> list[str]:
        page = ok(await client.get(f"{API}/consultations?{query}", headers=world.auth("leader")))
        return [c["id"] for c in page["items"]]

    assert await ids("q=改造") == [market["id"], stairs["id"]]
    assert await ids("q=菜市") == [market["id"]]  # two characters
    assert await ids("q=菜篮子工程") == [market["id"]]  # in the topic
    assert await ids("q=100%25_") == [stairs["id"]]  # wildcards are literal
    assert await ids("q=50%25") == []
    assert await ids("level=town") == [market["id"]]
    assert await ids(f"platform_id={town_platform}") == [market["id"]]
    assert await ids(f"campaign_id={campaign['id']}") == [market["id"]]
    assert await ids("state=cancelled") == [stairs["id"]]
    assert await ids("state=planned&q=改造") == [market["id"]]


async def test_pages_follow_the_cursor(client: httpx.AsyncClient, world: World) -> None:
    made = [(await new_consultation(client, world, title=f"协商 {i}"))["id"] for i in range(3)]
    first = ok(await client.get(f"{API}/consultations?limit=2", headers=world.auth("staff")))
    rest = ok(
        await client.get(
            f"{API}/consultations?limit=2&cursor={first['next_cursor']}",
            headers=world.auth("staff"),
        )
    )
    assert [c["id"] for c in first["items"] + rest["items"]] == made
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform_id": "00000000-0000-7000-8000-000000000000"}, "platform_id"),
        ({"scheduled_at": "next tuesday"}, "scheduled_at"),
        ({"scheduled_at": "2023-02-30T09:00:00+08:00"}, "scheduled_at"),
        ({"scheduled_at": "2023-04-27T09:30:00"}, "scheduled_at"),  # no offset
        ({"topic": "议" * 100_000}, "topic"),
        ({"title": ""}, "title"),
        ({"extra": 1}, "extra"),
    ],
)
async def test_bad_input_is_a_clear_422(
    client: httpx.AsyncClient, world: World, body: dict[str, object], field: str
) -> None:
    full = {
        "title": "协商",
        "topic": "议题",
        "platform_id": await platform_id(client, world),
        **body,
    }
    response = await client.post(f"{API}/consultations", json=full, headers=world.auth("staff"))
    found = problem(response, 422, "validation_error")
    assert any(field in e["loc"] for e in found["errors"]), found


async def test_bad_headcounts_are_refused(client: httpx.AsyncClient, world: World) -> None:
    cid = (await new_consultation(client, world, scheduled_at=WHEN, venue="会议室"))["id"]
    ok(await move(client, world, "consultations", cid, "schedule"))
    for bad in (-1, "many", 10**9):
        problem(
            await move(client, world, "consultations", cid, "hold", public_participants=bad),
            422,
            "validation_error",
        )
    problem(await move(client, world, "consultations", cid, "hold"), 422, "validation_error")
    # A field of another action is refused, not ignored.
    problem(
        await move(client, world, "consultations", cid, "conclude", public_participants=3),
        422,
        "validation_error",
    )


async def test_town_sessions_need_a_town(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    village = await add_region(engine, world, "湾底村", "village")
    town_platform = await platform_id(client, world, "民生议事堂")
    base = {"title": "议事", "topic": "议题", "platform_id": town_platform}
    for extra in ({}, {"region_id": str(village)}):
        response = await client.post(
            f"{API}/consultations", json={**base, **extra}, headers=world.auth("staff")
        )
        problem(response, 422, "validation_error")
    village_platform = await platform_id(client, world, "民情鄞聚站")
    body = await new_consultation(
        client, world, platform_id=village_platform, region_id=str(village)
    )
    assert body["level"] == "village"


async def test_edit_until_held(client: httpx.AsyncClient, world: World) -> None:
    cid = (await new_consultation(client, world))["id"]
    response = await client.patch(
        f"{API}/consultations/{cid}",
        json={"venue": "新址"},
        headers={**world.auth("staff"), "If-Match": '"1"'},
    )
    assert ok(response)["venue"] == "新址"
    problem(
        await client.patch(
            f"{API}/consultations/{cid}",
            json={"venue": "旧址"},
            headers={**world.auth("staff"), "If-Match": '"1"'},
        ),
        412,
        "version_mismatch",
    )
    problem(
        await client.patch(
            f"{API}/consultations/{cid}", json={"venue": "x"}, headers=world.auth("member")
        ),
        403,
        "forbidden",
    )
    held = (await held_consultation(client, world))["id"]
    problem(
        await client.patch(
            f"{API}/consultations/{held}", json={"venue": "x"}, headers=world.auth("staff")
        ),
        409,
        "conflict",
    )


async def test_other_organisation_sees_nothing(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    cid = (await new_consultation(client, world))["id"]
    for path in (
        f"consultations/{cid}",
        f"consultations/{cid}/timeline",
        f"consultations/{cid}/attendances",
    ):
        problem(
            await client.get(f"{API}/{path}", headers=other_world.auth("staff")), 404, "not_found"
        )
    problem(await move(client, other_world, "consultations", cid, "cancel"), 404, "not_found")
    page = ok(await client.get(f"{API}/consultations", headers=other_world.auth("staff")))
    assert page["items"] == []
    # Another organisation's platform is unknown here.
    theirs = await platform_id(client, other_world)
    response = await client.post(
        f"{API}/consultations",
        json={"title": "t", "topic": "t", "platform_id": theirs},
        headers=world.auth("staff"),
    )
    problem(response, 422, "validation_error")
