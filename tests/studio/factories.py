"""Plain async factories for the studio tests."""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import make_sessionmaker
from shared.events import Event
from tests.conftest import PASSWORD, World

API = "/api/v1"
# 宁波市鄞州区 (roughly): the centre the tests measure from.
CENTRE = (29.8167, 121.5470)
# The test's own Earth radius, for its own haversine (not imported from the code under test).
R = 6_371_008.8


def reference_haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """An independent great-circle distance (atan2 form) to check the API against."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return R * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + math.degrees(metres / R), point[1]


def east_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0], point[1] + math.degrees(metres / (R * math.cos(math.radians(point[0]))))


async def make_studio(
    client: httpx.AsyncClient, world: World, at: tuple[float, float], **fields: Any
) -> dict[str, Any]:
    body = {"kind": "studio", "name": f"工作室 {uuid.uuid4().hex[:6]}", "lat": at[0], "lon": at[1]}
    response = await client.post(
        f"{API}/studios", json={**body, **fields}, headers=world.auth("staff")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def make_member(client: httpx.AsyncClient, world: World, **fields: Any) -> dict[str, Any]:
    body = {"name": f"委员{uuid.uuid4().hex[:4]}", **fields}
    response = await client.post(f"{API}/members", json=body, headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    return response.json()


async def member_login(client: httpx.AsyncClient, world: World, member_id: str) -> dict[str, str]:
    """A real login for another member of the world (their bearer header)."""
    username = f"member-{uuid.uuid4().hex[:8]}"
    response = await client.post(
        f"{API}/users",
        json={
            "username": username,
            "password": PASSWORD,
            "role": "member",
            "display_name": "李委员",
            "member_id": member_id,
        },
        headers=world.auth("admin"),
    )
    assert response.status_code == 201, response.text
    token = await client.post(
        f"{API}/auth/token", data={"username": username, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def client_from(app: FastAPI, address: str | None = None) -> httpx.AsyncClient:
    """A client with its own address (the contact-request limit counts per address)."""
    address = (
        address or f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def event_types(engine: AsyncEngine, subject_id: str) -> list[str]:
    async with make_sessionmaker(engine)() as session:
        rows = await session.scalars(
            select(Event.type).where(Event.subject_id == uuid.UUID(subject_id)).order_by(Event.id)
        )
        return list(rows.all())
