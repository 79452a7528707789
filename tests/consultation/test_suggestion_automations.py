"""The worker on suggestions: the response deadline ladder, and a concluded session closing
itself once every suggestion is classified, merged or converted."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import clock
from shared.db import make_sessionmaker
from shared.events import Event
from tests.conftest import World
from tests.consultation.conftest import (
    API,
    held_consultation,
    move,
    new_suggestion,
    ok,
    sweep,
)

pytestmark = pytest.mark.asyncio


async def _forwarded(client: httpx.AsyncClient, world: World) -> dict:
    cid = (await held_consultation(client, world))["id"]
    sid = (await new_suggestion(client, world, cid))["id"]
    ids = [str(world.departments[0])]
    return ok(await move(client, world, "suggestions", sid, "forward", department_ids=ids))


async def test_response_deadline_ladder(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    sid = (await _forwarded(client, world))["id"]
    clock.advance(timedelta(days=24))
    await sweep(engine)
    assert not ok(await client.get(f"{API}/suggestions/{sid}", headers=world.auth("staff")))[
        "overdue"
    ]
    clock.advance(timedelta(days=6, minutes=1))
    await sweep(engine)
    await sweep(engine)  # a second sweep changes nothing
    body = ok(await client.get(f"{API}/suggestions/{sid}", headers=world.auth("staff")))
    assert body["overdue"] is True and body["state"] == "forwarded"
    timeline = ok(
        await client.get(f"{API}/suggestions/{sid}/timeline", headers=world.auth("staff"))
    )
    actions = [e["action"] for e in timeline]
    assert actions[-2:] == ["response_reminder", "response_overdue"]
    async with make_sessionmaker(engine)() as session:
        types = (
            await session.scalars(select(Event.type).where(Event.subject_id == uuid.UUID(sid)))
        ).all()
    assert types.count("suggestion.response_overdue") == 1
    # the answer still counts, and the ladder stops
    ok(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "respond",
            "department",
            text="迟到的答复",
            proposed_class="planned",
        )
    )


async def test_answer_in_time_voids_the_ladder(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    sid = (await _forwarded(client, world))["id"]
    ok(
        await move(
            client,
            world,
            "suggestions",
            sid,
            "respond",
            "department",
            text="已答复",
            proposed_class="adopted",
        )
    )
    clock.advance(timedelta(days=31))
    await sweep(engine)
    body = ok(await client.get(f"{API}/suggestions/{sid}", headers=world.auth("staff")))
    assert body["overdue"] is False


async def test_consultation_closes_when_every_suggestion_is_final(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    cid = (await held_consultation(client, world))["id"]
    first = (await new_suggestion(client, world, cid, "一"))["id"]
    second = (await new_suggestion(client, world, cid, "二"))["id"]
    ok(await move(client, world, "consultations", cid, "conclude"))
    await sweep(engine)
    get = f"{API}/consultations/{cid}"
    assert ok(await client.get(get, headers=world.auth("staff")))["state"] == "concluded"
    ok(await move(client, world, "suggestions", second, "merge", into_id=first))
    await sweep(engine)
    assert ok(await client.get(get, headers=world.auth("staff")))["state"] == "concluded"
    ok(
        await move(
            client,
            world,
            "suggestions",
            first,
            "forward",
            department_ids=[str(world.departments[0])],
        )
    )
    ok(
        await move(
            client,
            world,
            "suggestions",
            first,
            "respond",
            "department",
            text="好",
            proposed_class="for_reference",
        )
    )
    ok(await move(client, world, "suggestions", first, "classify", **{"class": "for_reference"}))
    await sweep(engine)
    await sweep(engine)
    body = ok(await client.get(get, headers=world.auth("staff")))
    assert body["state"] == "closed"
    timeline = ok(await client.get(f"{get}/timeline", headers=world.auth("staff")))
    assert (timeline[-1]["action"], timeline[-1]["actor"]) == ("close", "system")


async def test_session_without_suggestions_closes_on_conclusion(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    cid = (await held_consultation(client, world))["id"]
    ok(await move(client, world, "consultations", cid, "conclude"))
    await sweep(engine)
    body = ok(await client.get(f"{API}/consultations/{cid}", headers=world.auth("staff")))
    assert body["state"] == "closed"
