"""Platforms (the 115 tiers and the new ones), plans and campaigns."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import World
from tests.consultation.conftest import (
    API,
    ok,
    problem,
)

pytestmark = pytest.mark.asyncio


async def test_default_platforms_come_with_the_organisation(
    client: httpx.AsyncClient, world: World
) -> None:
    page = ok(await client.get(f"{API}/platforms?limit=100", headers=world.auth("member")))
    found = {p["name"]: (p["level"], p["annual_target"]) for p in page["items"]}
    assert found == {
        "请你来协商": ("district", 10),
        "民生议事堂": ("town", 100),
        "民情鄞聚站": ("village", 500),
        "政企协商": ("district", None),
        "政协商": ("district", None),
        "专家协商": ("district", None),
    }


async def test_platforms_plans_campaigns_roles(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    platform = ok(
        await client.post(
            f"{API}/platforms",
            json={"name": "界别协商", "level": "district", "annual_target": 4},
            headers=world.auth("admin"),
        ),
        201,
    )
    problem(
        await client.post(
            f"{API}/platforms", json={"name": "x", "level": "city"}, headers=world.auth("admin")
        ),
        422,
        "validation_error",
    )
    problem(
        await client.post(
            f"{API}/platforms", json={"name": "x", "level": "town"}, headers=world.auth("member")
        ),
        403,
        "forbidden",
    )
    problem(
        await client.post(
            f"{API}/platforms",
            json={"name": "界别协商", "level": "town"},
            headers=world.auth("staff"),
        ),
        409,
        "conflict",
    )
    updated = ok(
        await client.patch(
            f"{API}/platforms/{platform['id']}",
            json={"annual_target": 6},
            headers=world.auth("staff"),
        )
    )
    assert updated["annual_target"] == 6 and updated["version"] == 2
    plan = ok(
        await client.post(
            f"{API}/plans",
            json={
                "year": 2023,
                "title": "2023年度协商计划",
                "topics": ["营商环境"],
                "targets": {platform["id"]: 4},
            },
            headers=world.auth("staff"),
        ),
        201,
    )
    assert plan["targets"] == {platform["id"]: 4}
    problem(
        await client.post(
            f"{API}/plans", json={"year": 2023, "title": "again"}, headers=world.auth("staff")
        ),
        409,
        "conflict",
    )
    problem(
        await client.post(
            f"{API}/plans", json={"year": 1800, "title": "x"}, headers=world.auth("staff")
        ),
        422,
        "validation_error",
    )
    problem(await client.get(f"{API}/plans", headers=world.auth("member")), 403, "forbidden")
    problem(
        await client.post(
            f"{API}/campaigns",
            json={"name": "c", "starts_on": "2023-09-01", "ends_on": "2023-06-01"},
            headers=world.auth("staff"),
        ),
        422,
        "validation_error",
    )
    problem(
        await client.post(
            f"{API}/campaigns",
            json={"name": "c", "starts_on": "2023-13-01", "ends_on": "2023-06-01"},
            headers=world.auth("staff"),
        ),
        422,
        "validation_error",
    )
    for path in (f"platforms/{platform['id']}", f"plans/{plan['id']}"):
        problem(
            await client.get(f"{API}/{path}", headers=other_world.auth("staff")), 404, "not_found"
        )
