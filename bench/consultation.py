"""Consultation lists at scale: a filtered page and a text-search page cost about the same with
10,000 sessions (100,000 suggestions) as with 100,000 sessions (1,000,000 suggestions).

Each scale gets a fresh PostgreSQL database, migrated with Alembic and filled with bulk SQL
(``INSERT … SELECT generate_series``). Pages are fetched through the real app in-process, so the
figures include routing, auth, validation and serialisation; the query plans are printed too.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

PG_ADMIN_DSN = os.environ.get("TONGXIN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_HOST = PG_ADMIN_DSN.rsplit("/", 1)[0]
SCALES = ((10_000, 100_000), (100_000, 1_000_000))
RUNS = 60
LIMIT_RATIO = 1.5

# Words titles are made of; each appears in about 1 title in 20.
WORDS = [
    "营商环境",
    "菜市场改造",
    "楼道改造",
    "居家养老",
    "垃圾分类",
    "停车难",
    "老旧小区",
    "教育均衡",
    "医疗服务",
    "文明创建",
    "乡村振兴",
    "河道治理",
    "交通拥堵",
    "就业创业",
    "食品安全",
    "社区治理",
    "人才引进",
    "数字经济",
    "文化旅游",
    "未来社区",
]
PAGES = {
    "filtered consultations (state, level, year)": (
        "/consultations?state=held&level=district&year=2023"
    ),
    "filtered suggestions (state)": "/suggestions?state=forwarded",
    "search q=菜市场改造 (trigram)": "/consultations?q=菜市场改造",
    "search q=养老 (2 characters)": "/consultations?q=养老",
    "search q=菜篮子工程 (rare, 1 in 500)": "/consultations?q=菜篮子工程",
}

CONSULTATIONS_SQL = """
INSERT INTO consultations (id, organisation_id, title, topic, platform_id, scheduled_at, venue,
    public_participants, principal_leader_attended, state, state_changed_at, version,
    created_at, updated_at)
SELECT
    ('01890000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
    $1::uuid,
    (ARRAY[{words}])[1 + i % 20] || '协商会 第' || i || '场'
        || CASE WHEN i % 500 = 0 THEN ' 菜篮子工程' ELSE '' END,
    '关于' || (ARRAY[{words}])[1 + (i / 20) % 20] || '的议题',
    (ARRAY[{platforms}]::uuid[])[1 + i % 6],
    timestamptz '2019-01-01 00:00+08' + (i % 2190) * interval '1 day' + interval '9 hours',
    '议事厅',
    i % 200,
    i % 10 = 0,
    (ARRAY['held','held','held','closed','closed','scheduled','planned','cancelled',
           'held','concluded'])[1 + i % 10],
    now(), 1, now(), now()
FROM generate_series(1, $2) AS i
"""

SUGGESTIONS_SQL = """
INSERT INTO suggestions (id, organisation_id, consultation_id, content, proposer_kind, state,
    overdue, state_changed_at, version, created_at, updated_at)
SELECT
    ('01890000-0001-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
    $1::uuid,
    ('01890000-0000-7000-8000-' || lpad(to_hex(1 + i % $3), 12, '0'))::uuid,
    '建议' || i,
    'member',
    (ARRAY['proposed','forwarded','responded','adopted','partially_adopted','planned',
           'for_reference','not_adopted','implemented','verified'])[1 + i % 10],
    false, now(), 1, now(), now()
FROM generate_series(1, $2) AS i
"""


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _migrate(url: str) -> None:
    from alembic import command

    from services.cli import alembic_config

    await asyncio.to_thread(command.upgrade, alembic_config(url), "heads")


async def _seed(engine: AsyncEngine, consultations: int, suggestions: int) -> tuple[Any, str]:
    """An organisation with a staff login, and the bulk rows. Returns (settings, token)."""
    from shared.auth import issue_token
    from shared.config import Settings
    from shared.db import make_sessionmaker
    from shared.org import commands

    settings = Settings(env="development", database_url=str(engine.url))
    async with make_sessionmaker(engine)() as session:
        organisation, _ = await commands.init_organisation(
            session, "鄞州区政协 bench", "bench-admin", "bench-password-1"
        )
        from shared.auth import Actor

        staff = await commands.create_user(
            session,
            Actor.system(organisation.id),
            {
                "username": "bench-staff",
                "password": "bench-password-1",
                "role": "staff",
                "display_name": "bench staff",
            },
        )
        await session.commit()
    async with engine.begin() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        platforms = await driver.fetch(
            "SELECT id FROM platforms WHERE organisation_id = $1 ORDER BY id", organisation.id
        )
        words = ",".join(f"'{w}'" for w in WORDS)
        ids = ",".join(f"'{p['id']}'" for p in platforms)
        started = time.perf_counter()
        await driver.execute(
            CONSULTATIONS_SQL.format(words=words, platforms=ids), organisation.id, consultations
        )
        await driver.execute(SUGGESTIONS_SQL, organisation.id, suggestions, consultations)
        print(f"  inserted in {time.perf_counter() - started:.1f} s", flush=True)
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))
    token = issue_token(
        settings.secret,
        user_id=staff.id,
        kind="access",
        ttl=settings.access_token_ttl,
        org=str(organisation.id),
        role="staff",
        name="bench staff",
    )
    return settings, token


async def _time_pages(scales: list[tuple[Any, str]]) -> list[dict[str, float]]:
    """Median page times per scale. The scales' requests alternate, so whatever else the
    machine is doing slows both alike and the ratio stays fair."""
    clients = [
        (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench"),
            {"Authorization": f"Bearer {token}"},
        )
        for app, token in scales
    ]
    timings: list[dict[str, list[float]]] = [{name: [] for name in PAGES} for _ in scales]
    try:
        for name, path in PAGES.items():
            url = f"/api/v1{path}&limit=20"
            for client, headers in clients:
                first = await client.get(url, headers=headers)
                assert first.status_code == 200, first.text
                assert first.json()["items"], (name, first.text[:200])
            for _ in range(RUNS):
                for index, (client, headers) in enumerate(clients):
                    started = time.perf_counter()
                    response = await client.get(url, headers=headers)
                    timings[index][name].append(time.perf_counter() - started)
                    assert response.status_code == 200
    finally:
        for client, _ in clients:
            await client.aclose()
    return [
        {name: statistics.median(values) * 1000 for name, values in scale.items()}
        for scale in timings
    ]


async def _plans(app: Any, engine: AsyncEngine, token: str) -> dict[str, str]:
    """EXPLAIN ANALYZE of the main SELECT each page runs (captured from the real request)."""
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "FROM consultations" in statement or "FROM suggestions" in statement:
            captured.append((statement, parameters))

    plans: dict[str, str] = {}
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, path in PAGES.items():
            captured.clear()
            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            try:
                await client.get(f"/api/v1{path}&limit=20", headers=headers)
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", capture)
            statement, parameters = captured[0]
            async with engine.connect() as connection:
                rows = await connection.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                )
                plans[name] = "\n".join(f"    {row[0]}" for row in rows)
    return plans


def _database(index: int) -> str:
    return f"tongxin_bench_consultation_{os.getpid()}_{index}"


async def _prepare(index: int, consultations: int, suggestions: int) -> tuple[Any, Any, str]:
    """A fresh database of one scale, migrated and filled: (engine, app, token)."""
    from services.api.app import create_app
    from shared.db import make_engine

    name = _database(index)
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(f'CREATE DATABASE "{name}"')
    url = f"{PG_HOST}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = make_engine(url)
    print(f"\n{consultations:,} consultations, {suggestions:,} suggestions", flush=True)
    await _migrate(url)
    settings, token = await _seed(engine, consultations, suggestions)
    return engine, create_app(settings, engine=engine), token


async def _run() -> bool:
    prepared: list[tuple[Any, Any, str]] = []
    try:
        for index, (consultations, suggestions) in enumerate(SCALES):
            prepared.append(await _prepare(index, consultations, suggestions))
        small, large = await _time_pages([(app, token) for _, app, token in prepared])
        plans = [await _plans(app, engine, token) for engine, app, token in prepared]
    finally:
        for index, (engine, _, _) in enumerate(prepared):
            await engine.dispose()
            await _admin(f'DROP DATABASE IF EXISTS "{_database(index)}" WITH (FORCE)')
    print(f"\npage (median of {RUNS}, alternating)              10k ms    100k/1M ms   ratio")
    passed = True
    for page_name in PAGES:
        ratio = large[page_name] / small[page_name]
        verdict = "ok" if ratio <= LIMIT_RATIO else f"OVER {LIMIT_RATIO}x"
        passed &= ratio <= LIMIT_RATIO
        print(
            f"{page_name:<48} {small[page_name]:9.2f} {large[page_name]:12.2f} "
            f"{ratio:6.2f}x  {verdict}"
        )
    for label, scale_plans in zip(("10,000 rows", "100,000 / 1,000,000 rows"), plans, strict=True):
        print(f"\nQuery plans at {label}:")
        for page_name, plan in scale_plans.items():
            print(f"  -- {page_name}\n{plan}")
    return passed


def main() -> None:
    if not asyncio.run(_run()):
        raise SystemExit("a page grew by more than 1.5x with the table")


if __name__ == "__main__":
    main()
