"""Read requests' sessions (shared.db.begin_on_first_write): plain SELECTs run without BEGIN, and
the first write opens a real transaction, so a GET that writes is still all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import begin_on_first_write, make_sessionmaker, uuid7
from shared.org.models import Sector
from tests.conftest import World

pytestmark = pytest.mark.asyncio


async def _count(engine: AsyncEngine, world: World, names: list[str]) -> int:
    async with make_sessionmaker(engine)() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(Sector)
            .where(Sector.organisation_id == world.organisation_id, Sector.name.in_(names))
        )
        return int(found or 0)


async def test_writes_after_reads_are_one_transaction(engine: AsyncEngine, world: World) -> None:
    async with make_sessionmaker(engine)() as session:
        await begin_on_first_write(session)
        await session.execute(select(Sector.id).limit(1))
        for name in ("读后写一", "读后写二"):
            session.add(Sector(id=uuid7(), organisation_id=world.organisation_id, name=name))
            await session.flush()
        await session.rollback()
    assert await _count(engine, world, ["读后写一", "读后写二"]) == 0


async def test_writes_are_kept_when_committed(engine: AsyncEngine, world: World) -> None:
    async with make_sessionmaker(engine)() as session:
        await begin_on_first_write(session)
        await session.execute(select(Sector.id).limit(1))
        session.add(Sector(id=uuid7(), organisation_id=world.organisation_id, name="读后写三"))
        await session.commit()
    assert await _count(engine, world, ["读后写三"]) == 1


async def test_connections_go_back_to_the_pool_transactional(engine: AsyncEngine) -> None:
    """A read session that never wrote leaves no autocommit behind for the next user."""
    async with make_sessionmaker(engine)() as session:
        await begin_on_first_write(session)
        await session.execute(select(Sector.id).limit(1))
        driver = (await (await session.connection()).get_raw_connection()).dbapi_connection
        if engine.dialect.name == "postgresql":
            assert driver is not None and driver.autocommit
        await session.commit()
    assert not getattr(driver, "autocommit", False)
