"""Organisation context: constant query counts for lists (no N+1) and the audit trail of
reference data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.test_auth import problem
from tests.api.test_org import API, new_user, patch, post
from tests.conftest import World

pytestmark = pytest.mark.asyncio


# --- N+1 and audit ------------------------------------------------------------------------------


@contextmanager
def counted(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_member_list_query_count_is_constant(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    committees = [
        (await post(client, world, "committees", {"name": f"专委{i}"}))["id"] for i in range(4)
    ]

    async def add_members(count: int) -> None:
        for i in range(count):
            chosen = committees[i % 4 :] + committees[: i % 2]
            await post(client, world, "members", {"name": f"委员{i}", "committee_ids": chosen})

    async def list_members() -> int:
        with counted(engine) as statements:
            response = await client.get(
                f"{API}/members", params={"limit": 100}, headers=world.auth("staff")
            )
        assert response.status_code == 200
        return len(statements)

    await add_members(1)  # with the world's own member: 2
    await list_members()  # a token's first request also reads its user's session epoch
    few = await list_members()
    await add_members(10)
    many = await list_members()
    assert many == few, f"{few} statements for 2 members, {many} for 12"
    assert few <= 6


async def test_changes_are_audited(
    client: httpx.AsyncClient, world: World, other_world: World
) -> None:
    sector = await post(client, world, "sectors", {"name": "科技界"})
    await patch(client, world, f"sectors/{sector['id']}", {"name": "科学技术界"})
    params = {"entity_id": sector["id"]}
    for role in ("auditor", "admin", "leader"):
        response = await client.get(f"{API}/audit-entries", params=params, headers=world.auth(role))
        assert response.status_code == 200, response.text
        entries = response.json()["items"]
        assert [e["action"] for e in entries] == ["created", "updated"]
        assert all(e["entity_type"] == "sector" for e in entries)
        assert entries[0]["actor_id"] == str(world.users["admin"])
        assert entries[0]["actor_role"] == "admin"
        assert entries[1]["changes"] == {"name": "科学技术界"}
    for role in ("staff", "member", "department"):
        response = await client.get(f"{API}/audit-entries", params=params, headers=world.auth(role))
        problem(response, 403, "forbidden")
    theirs = await client.get(
        f"{API}/audit-entries", params=params, headers=other_world.auth("auditor")
    )
    assert theirs.json()["items"] == []


async def test_member_committees_and_users_are_audited(
    client: httpx.AsyncClient, world: World
) -> None:
    committee = await post(client, world, "committees", {"name": "社法委"})
    member = await post(
        client, world, "members", {"name": "郑委员", "committee_ids": [committee["id"]]}
    )
    user = await post(client, world, "users", new_user("member", member_id=member["id"]))
    entries = {}
    for entity in (member, user):
        response = await client.get(
            f"{API}/audit-entries",
            params={"entity_id": entity["id"]},
            headers=world.auth("auditor"),
        )
        entries[entity["id"]] = response.json()["items"]
    assert entries[member["id"]][0]["changes"]["committee_ids"] == [committee["id"]]
    assert (
        "password" not in str(entries[user["id"]]) and entries[user["id"]][0]["action"] == "created"
    )
