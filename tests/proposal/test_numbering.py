"""提案号 under concurrent filing: several staff sessions filing at once get distinct,
consecutive numbers (the counter row is locked to each commit)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import make_sessionmaker
from shared.proposal import commands, schemas
from shared.proposal.models import Proposal
from tests.conftest import World
from tests.proposal.conftest import make_proposal, ok

pytestmark = pytest.mark.asyncio

FILERS = 8


async def _file(engine: AsyncEngine, world: World, proposal_id: str, start: asyncio.Event) -> str:
    async with make_sessionmaker(engine)() as session:
        proposal = await session.get_one(Proposal, uuid.UUID(proposal_id))
        await start.wait()
        body = schemas.File(action="file")
        await commands.file(session, world.actors["staff"], proposal, body)
        number = proposal.number
        await session.commit()
    assert number is not None
    return number


async def test_concurrent_filings_get_distinct_consecutive_numbers(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    ids = []
    for _ in range(FILERS):
        proposal = await make_proposal(client, world)
        await ok(client, world, "member", proposal["id"], "submit")
        ids.append(proposal["id"])
    start = asyncio.Event()
    filings = [asyncio.create_task(_file(engine, world, pid, start)) for pid in ids]
    await asyncio.sleep(0)
    start.set()
    numbers = await asyncio.gather(*filings)
    year = proposal["year"]
    assert sorted(numbers) == [f"{year}-{seq:03d}" for seq in range(1, FILERS + 1)]
