"""``python -m bench tenants``: list pages of ten organisations of skewed sizes sharing one table.

Supervision cases of ten organisations (one with 1,000,000 rows, one with 1,000, the others in
between), their UUIDv7 ids interleaved in time as live organisations' are. For the smallest
and the largest tenant, with no filter and with the hot filters (``state``, ``department_id``
through the case-department links), the first and the middle page run the statement
``GET /supervision-cases`` runs; each is timed against the same tenant's page in a database
whose table holds only 10,000 rows (the same tenants, the large one cut down), alternating
between the two so other work on the machine weighs on both alike. Target: every page within
1.2x of its 10,000-row latency. The plans (EXPLAIN ANALYZE, BUFFERS) are printed, and the same
pages are measured on the indexes of migration 0006 (organisation_id alone) for comparison.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench.common import (
    Database,
    Target,
    create_organisation,
    fresh_database,
    machine_load,
    migrate,
    print_table,
    print_targets,
    run,
)

DATABASE = "tongxin_bench_tenants"
SIZES = (1_000_000, 300_000, 100_000, 40_000, 20_000, 10_000, 5_000, 3_000, 2_000, 1_000)
BASELINE_ROWS = 10_000  # the whole table in the baseline database
DEPARTMENTS = 8
SPAN_MS = 3 * 365 * 86_400_000  # every tenant's ids spread over the same three years
REPEATS = 1200  # timed runs of each page, in alternating rounds
ROUNDS = 12
LIMIT = 1.2
HOT_STATE = "awaiting_feedback"
BULK_TABLES = ("supervision_cases", "supervision_case_departments")

# Row ``g`` of ``n`` of a tenant: its UUIDv7 takes the millisecond g/n of the way through the
# span (so tenants interleave), version 7, variant 10, and md5 bits for the rest. Its state
# comes from those bits (mostly closed, as in a live system), its department link from the id.
FILL_SQL = """
WITH cases AS (
  INSERT INTO supervision_cases (id, organisation_id, topic_id, title, issue, recommendation,
      round, overdue, escalation_level, version, created_at, updated_at, state, state_changed_at)
  SELECT (lpad(to_hex($3::bigint + g * $4::bigint / $5::bigint), 12, '0') || '7'
          || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
         $1::uuid, $2::uuid, 'case ' || g, 'issue', 'recommendation', 1, g % 50 = 0, 0, 1,
         now(), now(),
         (ARRAY['closed', 'closed', 'closed', 'closed', 'closed', 'withdrawn', 'draft',
                'supervising', 'awaiting_feedback', 'awaiting_evaluation'])
           [1 + ('x' || substr(h, 20, 4))::bit(16)::int % 10],
         now()
  FROM generate_series(0, $5::bigint - 1) AS g, LATERAL md5($1::uuid::text || g) AS h
  WHERE g % $6::bigint = 0
  RETURNING id
)
INSERT INTO supervision_case_departments (case_id, department_id)
SELECT id, ($7::uuid[])[1 + ('x' || substr(id::text, 35, 2))::bit(8)::int % $8::int]
FROM cases
"""


@dataclass(frozen=True)
class Tenant:
    rank: str  # "smallest" | "largest"
    organisation_id: uuid.UUID
    departments: tuple[uuid.UUID, ...]
    topic_id: uuid.UUID


@dataclass(frozen=True)
class Page:
    """One page to time: whose, which filter, first or middle, and its SQL in each database."""

    label: str
    sql: dict[str, str]  # database name -> statement


# --- data ----------------------------------------------------------------------------------------


async def _tenants(database: Database) -> list[tuple[uuid.UUID, tuple[uuid.UUID, ...], uuid.UUID]]:
    """Gives every organisation (in SIZES order) its departments and one supervision topic, and
    answers what ``_known`` reads back."""
    connection = await asyncpg.connect(database.dsn)
    try:
        for index in range(len(SIZES)):
            organisation = await connection.fetchval(
                "SELECT id FROM organisations WHERE name = $1", f"租户 {index}"
            )
            for number in range(DEPARTMENTS):
                await connection.execute(
                    "INSERT INTO departments (id, organisation_id, name, version, created_at,"
                    " updated_at) VALUES ($1, $2, $3, 1, now(), now())",
                    uuid.uuid4(),
                    organisation,
                    f"部门 {number}",
                )
            await connection.execute(
                "INSERT INTO supervision_topics (id, organisation_id, year, title, kind,"
                " feedback_window, max_rounds, version, created_at, updated_at, state,"
                " state_changed_at) VALUES ($1, $2, 2026, 'topic', 'special_collective',"
                " interval '90 days', 2, 1, now(), now(), 'active', now())",
                uuid.uuid4(),
                organisation,
            )
    finally:
        await connection.close()
    return await _known(database)


def _baseline_stride(size: int, index: int) -> int | None:
    """Which of a tenant's rows the 10,000-row table keeps (every ``stride``-th), or None:
    the smallest keeps all of its 1,000, the largest the other 9,000, the rest none."""
    if index == len(SIZES) - 1:
        return 1
    if index == 0:
        return size // (BASELINE_ROWS - SIZES[-1])
    return None


async def _fill(database: Database, baseline: bool) -> tuple[int, float]:
    started = time.perf_counter()
    epoch = time.time_ns() // 1_000_000 - SPAN_MS - 3_600_000
    tenants = await _tenants(database)
    connection = await asyncpg.connect(database.dsn)
    try:
        # A bulk load: the secondary indexes go first and are built once at the end (sorted,
        # several times faster than a million scattered inserts into each).
        indexes = await connection.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1)"
            " AND indexname LIKE 'ix_%'",
            list(BULK_TABLES),
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX "{index["indexname"]}"')
        # Interleaved in time by their ids already: the insertion order does not matter.
        for index, (size, (organisation, departments, topic)) in enumerate(
            zip(SIZES, tenants, strict=True)
        ):
            stride = _baseline_stride(size, index) if baseline else 1
            if stride is None:
                continue
            await connection.execute(
                FILL_SQL,
                *(organisation, topic, epoch, SPAN_MS, size, stride),
                list(departments),
                DEPARTMENTS,
            )
        await connection.execute("SET maintenance_work_mem = '256MB'")
        for index in indexes:
            await connection.execute(index["indexdef"])
        for table in BULK_TABLES:
            await connection.execute(f"VACUUM ANALYZE {table}")
        rows: int = await connection.fetchval("SELECT count(*) FROM supervision_cases")
    finally:
        await connection.close()
    return rows, time.perf_counter() - started


def prepare(database: Database, baseline: bool) -> None:
    migrate(database)
    for index in range(len(SIZES)):
        run(create_organisation(database, f"租户 {index}", f"bench-tenant-{index}"))
    rows, seconds = run(_fill(database, baseline))
    print(f"{database.name}: {rows:,} supervision cases in {seconds:.1f} s", flush=True)


# --- the pages -----------------------------------------------------------------------------------


class _Statement:
    """Takes the statement ``page_cases`` builds in place of a session's ``scalars``, so the
    benchmark times exactly the SQL the endpoint runs."""

    def __init__(self) -> None:
        self.stmt: Any = None

    async def scalars(self, stmt: Any) -> Any:
        self.stmt = stmt
        return self

    def all(self) -> list[Any]:
        return []


def page_sql(organisation: uuid.UUID, cursor: uuid.UUID | None, **filters: Any) -> str:
    from sqlalchemy.dialects import postgresql

    from shared.auth import Actor
    from shared.pagination import encode_cursor
    from shared.supervision.queries import page_cases

    taken = _Statement()
    after = encode_cursor(cursor) if cursor else None
    actor = Actor.system(organisation)
    run(page_cases(taken, actor, limit=20, cursor=after, **filters))  # type: ignore[arg-type]
    compiled = taken.stmt.compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return " ".join(str(compiled).split())


MIDDLE_SQL = """
SELECT c.id FROM supervision_cases c
WHERE c.organisation_id = $1 AND ($2::text IS NULL OR c.state = $2)
  AND ($3::uuid IS NULL OR EXISTS (SELECT FROM supervision_case_departments d
                                   WHERE d.case_id = c.id AND d.department_id = $3))
ORDER BY c.id OFFSET $4 LIMIT 1
"""
COUNT_SQL = MIDDLE_SQL.replace("SELECT c.id", "SELECT count(*)").split("ORDER BY")[0]


async def _tenant(database: Database, rank: str) -> Tenant:
    index = len(SIZES) - 1 if rank == "smallest" else 0
    (organisation, departments, topic) = (await _known(database))[index]
    return Tenant(rank, organisation, departments, topic)


async def _known(database: Database) -> list[tuple[uuid.UUID, tuple[uuid.UUID, ...], uuid.UUID]]:
    connection = await asyncpg.connect(database.dsn)
    try:
        found = []
        for index in range(len(SIZES)):
            organisation = await connection.fetchval(
                "SELECT id FROM organisations WHERE name = $1", f"租户 {index}"
            )
            departments = await connection.fetch(
                "SELECT id FROM departments WHERE organisation_id = $1 ORDER BY id", organisation
            )
            topic = await connection.fetchval(
                "SELECT id FROM supervision_topics WHERE organisation_id = $1", organisation
            )
            found.append((organisation, tuple(row[0] for row in departments), topic))
        return found
    finally:
        await connection.close()


async def _middle(database: Database, tenant: Tenant, filters: dict[str, Any]) -> uuid.UUID:
    state, department = filters.get("state"), filters.get("department_id")
    connection = await asyncpg.connect(database.dsn)
    try:
        count = await connection.fetchval(COUNT_SQL, tenant.organisation_id, state, department)
        found: uuid.UUID = await connection.fetchval(
            MIDDLE_SQL, tenant.organisation_id, state, department, count // 2
        )
        return found
    finally:
        await connection.close()


def pages(small: Database, large: Database) -> list[Page]:
    """Smallest and largest tenant x (no filter, state, department) x (first, middle page)."""
    found = []
    for rank in ("smallest", "largest"):
        tenants = {db.name: run(_tenant(db, rank)) for db in (small, large)}
        for name in ("no filter", "state", "department_id"):

            def filters(tenant: Tenant, name: str = name) -> dict[str, Any]:
                if name == "state":
                    return {"state": HOT_STATE}
                if name == "department_id":
                    return {"department_id": tenant.departments[0]}
                return {}

            for where in ("first", "middle"):
                sql = {}
                for db in (small, large):
                    tenant = tenants[db.name]
                    after = run(_middle(db, tenant, filters(tenant))) if where == "middle" else None
                    sql[db.name] = page_sql(tenant.organisation_id, after, **filters(tenant))
                found.append(Page(f"{rank} {name} {where} page", sql))
    return found


# --- measuring -----------------------------------------------------------------------------------


async def _time(databases: list[Database], todo: list[Page]) -> dict[tuple[str, str], float]:
    """Median milliseconds of each page in each database, in alternating rounds."""
    connections = {db.name: await asyncpg.connect(db.dsn) for db in databases}
    samples: dict[tuple[str, str], list[float]] = {}
    try:
        for page in todo:  # warm the caches and the prepared statements
            for db in databases:
                for _ in range(5):
                    await connections[db.name].fetch(page.sql[db.name])
        for _ in range(ROUNDS):
            for page in todo:
                for db in databases:
                    connection, sql = connections[db.name], page.sql[db.name]
                    into = samples.setdefault((page.label, db.name), [])
                    for _ in range(REPEATS // ROUNDS):
                        started = time.perf_counter()
                        await connection.fetch(sql)
                        into.append(time.perf_counter() - started)
    finally:
        for connection in connections.values():
            await connection.close()
    return {key: 1000 * statistics.median(values) for key, values in samples.items()}


async def _plan(database: Database, sql: str) -> list[str]:
    connection = await asyncpg.connect(database.dsn)
    try:
        rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
        return [row[0] for row in rows]
    finally:
        await connection.close()


def _buffers(plan: list[str]) -> str:
    """The top node's shared buffers (hit + read), the page's whole cost in pages touched."""
    for line in plan:
        if "Buffers:" in line:
            words = line.split("Buffers:")[1].replace(",", " ").split()
            return str(sum(int(w.split("=")[1]) for w in words if w.startswith(("hit=", "read="))))
    return "0"


def measure(small: Database, large: Database, todo: list[Page], title: str) -> list[Target]:
    times = run(_time([small, large], todo))
    rows, targets = [], []
    for page in todo:
        base, big = times[(page.label, small.name)], times[(page.label, large.name)]
        plans = [run(_plan(db, page.sql[db.name])) for db in (small, large)]
        rows.append(
            [page.label, f"{base:.3f}", f"{big:.3f}", f"{big / base:.2f}x"]
            + [_buffers(plan) for plan in plans]
        )
        targets.append(Target(page.label, big / base, LIMIT, at_least=False))
    headers = ["page (20 rows)", "10k-row ms", "full ms", "ratio", "buffers 10k", "buffers full"]
    print_table(headers, rows, f"{title} ({machine_load()})")
    return targets


def print_plans(large: Database, todo: list[Page]) -> None:
    for page in todo:
        sql = page.sql[large.name]
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {page.label}, {sum(SIZES):,} rows:\n  {sql}")
        print("\n".join(f"    {line}" for line in run(_plan(large, sql))))


def _downgrade(database: Database) -> None:
    from alembic import command

    from services.cli import alembic_config

    command.downgrade(alembic_config(database.url), "0006")


def main() -> None:
    started = time.perf_counter()
    print(f"tenants {SIZES}; {REPEATS} timed runs of each page; {machine_load()}", flush=True)
    with (
        fresh_database(f"{DATABASE}_small") as small,
        fresh_database(DATABASE) as large,
    ):
        prepare(small, baseline=True)
        prepare(large, baseline=False)
        todo = pages(small, large)
        print_plans(large, todo)
        targets = measure(small, large, todo, "Pages on the indexes of migration 0007")
        for database in (small, large):
            _downgrade(database)
        measure(small, large, todo, "The same pages on the indexes of 0006 (organisation_id alone)")
    print_targets(targets, f"Targets: each page within {LIMIT}x of its 10,000-row latency")
    print(f"tenants benchmark took {time.perf_counter() - started:.0f} s", flush=True)
    if not all(target.met for target in targets):
        sys.exit("a tenant's page is slower on the full table than the target allows")
