"""The 10-minute service circle at scale: ``GET /studios/nearby``'s query path (the index-backed
box, the exact distances, the rows) on PostgreSQL, with 1,000 and with 100,000 studios.

The headline compares the same neighbourhoods as the table grows a hundredfold (the other
99,000 studios stand in the rest of the province), so only the table size differs. Target: p50
within 2×. A second figure puts all 100,000 studios into the searched area (100× denser, so
each search also finds 100× more studios), for information. Prints the figures and the plan.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
import uuid
from typing import Any

import asyncpg
from alembic import command
from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.cli import alembic_config
from shared.db import make_engine, make_sessionmaker, uuid7
from shared.org import commands as org_commands
from shared.studio import geo, queries
from shared.studio.models import Studio

PG_ADMIN_DSN = os.environ.get("TONGXIN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_HOST = PG_ADMIN_DSN.rsplit("/", 1)[0]
# 宁波 and its surroundings: 1.6° × 1.6° (about 180 km × 155 km), where the searches happen.
AREA = ((29.0, 30.6), (120.8, 122.4))
# The rest of the province and beyond, where the table's other rows stand.
REGION = ((27.0, 31.5), (118.0, 123.0))
RADIUS_M = geo.walk_radius(10)
SAMPLES = 400
TARGET_RATIO = 2.0


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


Area = tuple[tuple[float, float], tuple[float, float]]


def _inside(area: Area, lat: float, lon: float) -> bool:
    return area[0][0] <= lat <= area[0][1] and area[1][0] <= lon <= area[1][1]


def _point(rng: random.Random, area: Area, avoid: Area | None) -> tuple[float, float]:
    while True:
        lat, lon = rng.uniform(*area[0]), rng.uniform(*area[1])
        if avoid is None or not _inside(avoid, lat, lon):
            return lat, lon


def _studio_rows(
    organisation_id: uuid.UUID, count: int, rng: random.Random, area: Area, avoid: Area | None
) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        lat, lon = _point(rng, area, avoid)
        rows.append(
            {
                "id": uuid7(),
                "organisation_id": organisation_id,
                "kind": rng.choice(("studio", "parlour", "post")),
                "name": f"委员工作室 {i}",
                "lat": lat,
                "lon": lon,
                "active": rng.random() > 0.05,
                "version": 1,
            }
        )
    return rows


async def _add_studios(
    sessionmaker: async_sessionmaker[AsyncSession],
    organisation_id: uuid.UUID,
    count: int,
    area: Area = AREA,
    avoid: Area | None = None,
) -> None:
    rng = random.Random(count)
    async with sessionmaker() as session:
        for start in range(0, count, 5_000):
            rows = _studio_rows(organisation_id, min(5_000, count - start), rng, area, avoid)
            await session.execute(insert(Studio), rows)
        await session.commit()
    async with sessionmaker() as session:
        await session.execute(text("ANALYZE studios"))
        await session.commit()


async def _p50(
    sessionmaker: async_sessionmaker[AsyncSession], organisation_id: uuid.UUID
) -> tuple[float, float]:
    """Median milliseconds of the nearby query path, and the mean number of studios found."""
    rng = random.Random(42)
    timings: list[float] = []
    found = 0
    async with sessionmaker() as session:
        for i in range(SAMPLES + 20):
            lat, lon = rng.uniform(*AREA[0]), rng.uniform(*AREA[1])
            started = time.perf_counter()
            result = await queries.nearby(session, organisation_id, lat, lon, RADIUS_M)
            elapsed = (time.perf_counter() - started) * 1000
            session.expunge_all()
            if i >= 20:  # the first calls warm the connection and the statement cache
                timings.append(elapsed)
                found += len(result)
    return statistics.median(timings), found / SAMPLES


async def _plan(sessionmaker: async_sessionmaker[AsyncSession], organisation_id: uuid.UUID) -> str:
    stmt = queries.nearby_statement(organisation_id, geo.bounding_box(29.8167, 121.5470, RADIUS_M))
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    async with sessionmaker() as session:
        rows = await session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"))
        return "\n".join(f"    {row[0]}" for row in rows)


async def _organisation(sessionmaker: async_sessionmaker[AsyncSession], name: str) -> uuid.UUID:
    async with sessionmaker() as session:
        organisation, _ = await org_commands.init_organisation(
            session, name, f"bench-{uuid.uuid4().hex[:8]}", "bench-password-123"
        )
        await session.commit()
        return organisation.id


def _line(label: str, p50: float, found: float, base: float | None = None) -> str:
    ratio = "" if base is None else f"  ratio {p50 / base:.2f}×"
    return f"  {label:<52} p50 {p50:6.2f} ms  (found {found:5.2f} a search){ratio}"


async def _run(url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), "heads")
    engine = make_engine(url, pool_size=2)
    sessionmaker = make_sessionmaker(engine)
    try:
        spread = await _organisation(sessionmaker, "基准政协")
        await _add_studios(sessionmaker, spread, 1_000)
        small, small_found = await _p50(sessionmaker, spread)
        await _add_studios(sessionmaker, spread, 99_000, REGION, avoid=AREA)
        large, large_found = await _p50(sessionmaker, spread)
        dense = await _organisation(sessionmaker, "基准政协（密集）")
        await _add_studios(sessionmaker, dense, 100_000)
        crowded, crowded_found = await _p50(sessionmaker, dense)
        print(f"nearby (10 min = {RADIUS_M:.0f} m), p50 of {SAMPLES} random points in the area:")
        print(_line("1,000 studios", small, small_found))
        print(_line("100,000 studios (99,000 more across the province)", large, large_found, small))
        print(_line("100,000 studios all in the area (100x denser)", crowded, crowded_found, small))
        verdict = "OK" if large / small <= TARGET_RATIO else "OVER TARGET"
        print(f"  target: 100,000 within {TARGET_RATIO:.0f}× of 1,000 → {verdict}")
        print("plan at 100,000 studios (the denser organisation, in a table of 200,000):")
        print(await _plan(sessionmaker, dense))
    finally:
        await engine.dispose()


def main() -> None:
    name = f"tongxin_bench_studio_{os.getpid()}"

    async def run() -> None:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(f'CREATE DATABASE "{name}"')
        try:
            await _run(f"{PG_HOST.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}")
        finally:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    asyncio.run(run())


if __name__ == "__main__":
    main()
