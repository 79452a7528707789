"""Read requests' sessions (shared.db.begin_on_first_write, shared.db.reading): plain SELECTs run
without BEGIN, and the first write opens a real transaction, so a GET that writes is still all or
nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from shared.db import BEGIN_ON_WRITE, begin_on_first_write, make_sessionmaker, reading, uuid7
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
        begin_on_first_write(session)
        await session.execute(select(Sector.id).limit(1))
        for name in ("读后写一", "读后写二"):
            session.add(Sector(id=uuid7(), organisation_id=world.organisation_id, name=name))
            await session.flush()
        await session.rollback()
    assert await _count(engine, world, ["读后写一", "读后写二"]) == 0


async def test_writes_are_kept_when_committed(engine: AsyncEngine, world: World) -> None:
    async with make_sessionmaker(engine)() as session:
        begin_on_first_write(session)
        await session.execute(select(Sector.id).limit(1))
        session.add(Sector(id=uuid7(), organisation_id=world.organisation_id, name="读后写三"))
        await session.commit()
    assert await _count(engine, world, ["读后写三"]) == 1


async def test_connections_go_back_to_the_pool_transactional(engine: AsyncEngine) -> None:
    """A read session that never wrote leaves no autocommit behind for the next user."""
    async with make_sessionmaker(engine)() as session:
        begin_on_first_write(session)
        await session.execute(select(Sector.id).limit(1))
        driver = (await (await session.connection()).get_raw_connection()).dbapi_connection
        if engine.dialect.name == "postgresql":
            assert driver is not None and driver.autocommit
        await session.commit()
    assert not getattr(driver, "autocommit", False)


def _sector_names(connection: Connection, world: World) -> list[str]:
    rows = connection.execute(
        select(Sector.name).where(Sector.organisation_id == world.organisation_id)
    )
    return list(rows.scalars())


def _writes(connection: Connection, world: World) -> bool:
    connection.execute(
        insert(Sector).values(
            id=uuid7(), organisation_id=world.organisation_id, name="读中写", version=1
        )
    )
    return bool(connection.info.get(BEGIN_ON_WRITE) is None and connection.in_transaction())


async def test_plain_reads_run_in_one_greenlet_and_keep_nothing_they_wrote(
    engine: AsyncEngine, world: World
) -> None:
    """``shared.db.reading`` (``UnitOfWork.read``): reads answer; a stray write is rolled back,
    and the connection goes back to the pool transactional."""
    names = await greenlet_spawn(reading, engine.sync_engine, _sector_names, world)
    assert isinstance(names, list)
    # The write opened a real transaction (on PostgreSQL: left the read-only autocommit) …
    assert await greenlet_spawn(reading, engine.sync_engine, _writes, world)
    # … which closing the connection rolled back.
    assert await _count(engine, world, ["读中写"]) == 0
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).dbapi_connection
        assert not getattr(driver, "autocommit", False)
