"""Merged duplicates: the rules of merging, and counting each suggestion once (the helper the
scorecard reuses)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consultation import queries
from shared.db import make_sessionmaker
from tests.conftest import World
from tests.consultation.conftest import (
    held_consultation,
    move,
    new_suggestion,
    ok,
    problem,
)

pytestmark = pytest.mark.asyncio


async def test_merge_rules_and_counting_once(
    client: httpx.AsyncClient, world: World, other_world: World, engine: AsyncEngine
) -> None:
    cid = (await held_consultation(client, world))["id"]
    keep, duplicate, third = [
        (await new_suggestion(client, world, cid, c))["id"]
        for c in ("改造菜市场", "菜市场改造", "楼道改造")
    ]
    problem(
        await move(client, world, "suggestions", keep, "merge", into_id=keep),
        422,
        "validation_error",
    )
    problem(
        await move(client, world, "suggestions", keep, "merge", into_id=str(uuid.uuid4())),
        422,
        "validation_error",
    )
    foreign_cid = (await held_consultation(client, other_world))["id"]
    foreign = (await new_suggestion(client, other_world, foreign_cid))["id"]
    problem(
        await move(client, world, "suggestions", keep, "merge", into_id=foreign),
        422,
        "validation_error",
    )
    problem(
        await move(client, world, "suggestions", keep, "merge", "department", into_id=duplicate),
        404,
        "not_found",
    )
    body = ok(await move(client, world, "suggestions", duplicate, "merge", into_id=keep))
    assert (body["state"], body["merged_into_id"]) == ("merged", keep)
    problem(
        await move(client, world, "suggestions", third, "merge", into_id=duplicate),
        422,
        "validation_error",
    )  # into a merged one
    problem(
        await move(
            client,
            world,
            "suggestions",
            duplicate,
            "forward",
            department_ids=[str(world.departments[0])],
        ),
        409,
        "invalid_transition",
    )
    for sid in (keep, third):
        ok(
            await move(
                client,
                world,
                "suggestions",
                sid,
                "forward",
                department_ids=[str(world.departments[0])],
            )
        )
        ok(
            await move(
                client,
                world,
                "suggestions",
                sid,
                "respond",
                "department",
                text="好",
                proposed_class="adopted",
            )
        )
        ok(await move(client, world, "suggestions", sid, "classify", **{"class": "adopted"}))
    ok(await move(client, world, "suggestions", third, "implement"))
    async with make_sessionmaker(engine)() as session:
        counts = await queries.suggestion_counts(session, world.organisation_id, [uuid.UUID(cid)])
        adopted = await queries.count_adopted_suggestions(
            session, world.organisation_id, [uuid.UUID(cid), uuid.UUID(foreign_cid)]
        )
    assert (counts.total, counts.adopted) == (2, 2)  # the duplicate counts as its target
    assert adopted == 2
