"""How a request's session runs (``services.api.unit_of_work``, ``shared.db``): the HTTP method
alone decides. A GET's session on PostgreSQL commits each statement by itself (no BEGIN/COMMIT
round trips); every other request, and every request on SQLite, is one transaction. The one
write a GET makes, an API key's last use, is a single statement right on its own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from services.api.unit_of_work import UnitOfWork
from shared import clock
from shared.db import make_read_sessionmaker, uuid7
from shared.org.models import Sector
from tests.conftest import World

pytestmark = pytest.mark.asyncio


def _request(app: FastAPI, method: str) -> Request:
    return Request({"type": "http", "method": method, "app": app, "headers": []})


async def _statements_share_a_transaction(session: AsyncSession, world: World) -> bool:
    """Whether two statements of ``session`` run in one database transaction."""
    if session.bind.dialect.name == "postgresql":
        first = await session.scalar(text("SELECT txid_current()"))
        second = await session.scalar(text("SELECT txid_current()"))
        return bool(first == second)
    # SQLite: a row written and then rolled back is gone only inside a transaction.
    sector = Sector(id=uuid7(), organisation_id=world.organisation_id, name="探针")
    session.add(sector)
    await session.flush()
    await session.rollback()
    found = await session.scalar(select(func.count()).where(Sector.id == sector.id))
    return found == 0


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PATCH", "DELETE"])
async def test_the_method_decides_the_session(app: FastAPI, world: World, method: str) -> None:
    work = UnitOfWork(_request(app, method))
    session = await work.session()
    try:
        one_transaction = await _statements_share_a_transaction(session, world)
    finally:
        await session.close()
    reads_alone = method in ("GET", "HEAD") and session.bind.dialect.name == "postgresql"
    assert one_transaction is not reads_alone


async def test_a_get_that_changes_objects_fails_loudly(app: FastAPI, world: World) -> None:
    """Its flush would commit statement by statement on PostgreSQL: not all or nothing."""
    work = UnitOfWork(_request(app, "GET"))

    async def endpoint(request: Request) -> Response:
        session = await work.session()
        session.add(Sector(id=uuid7(), organisation_id=world.organisation_id, name="读中写"))
        return Response()

    with pytest.raises(RuntimeError, match="GET request changed rows"):
        await work.run(endpoint)
    async with make_read_sessionmaker(app.state.engine)() as session:
        found = await session.scalar(select(func.count()).where(Sector.name == "读中写"))
    assert found == 0


async def test_read_sessions_hand_back_transactional_connections(engine: AsyncEngine) -> None:
    """A read session's connection goes back to the pool as it came: whoever takes the same
    pooled connection next gets a transaction."""
    async with make_read_sessionmaker(engine)() as session:
        await session.execute(select(Sector.id).limit(1))
        connection = await (await session.connection()).get_raw_connection()
        driver = connection.dbapi_connection
        if engine.dialect.name == "postgresql":
            assert getattr(driver, "autocommit", False)
    assert not getattr(driver, "autocommit", False)


async def _key(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/api-keys", json={"name": "读", "scopes": ["read"]}, headers=world.auth("admin")
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def _fetch(client: httpx.AsyncClient, world: World, key_id: str) -> dict[str, Any]:
    found = await client.get(f"/api/v1/api-keys/{key_id}", headers=world.auth("admin"))
    body: dict[str, Any] = found.json()
    return body


async def test_a_get_notes_an_api_keys_use_hourly(client: httpx.AsyncClient, world: World) -> None:
    created = await _key(client, world)
    key = {"Authorization": f"Bearer {created['key']}"}
    assert (await client.get("/api/v1/sectors", headers=key)).status_code == 200
    first = await _fetch(client, world, created["id"])
    assert first["last_used_at"] is not None
    # The use is not an edit: the key's version (its ETag) stays.
    assert first["version"] == created["version"]
    clock.advance(timedelta(minutes=30))
    await client.get("/api/v1/sectors", headers=key)
    assert (await _fetch(client, world, created["id"]))["last_used_at"] == first["last_used_at"]
    clock.advance(timedelta(minutes=31))
    await client.get("/api/v1/sectors", headers=key)
    assert (await _fetch(client, world, created["id"]))["last_used_at"] > first["last_used_at"]


async def test_requests_racing_with_one_key_all_answer(
    client: httpx.AsyncClient, world: World
) -> None:
    """Noting the use is one conditional UPDATE, not a versioned write: concurrent requests
    with the same key never fail on each other's touch."""
    import asyncio

    created = await _key(client, world)
    key = {"Authorization": f"Bearer {created['key']}"}
    answers = await asyncio.gather(*(client.get("/api/v1/sectors", headers=key) for _ in range(8)))
    assert [a.status_code for a in answers] == [200] * 8
