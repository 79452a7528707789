"""Foundation benchmark (issue 2, "Speed"): Tongxin's sector endpoints on PostgreSQL against a
bare FastAPI + asyncpg app doing the same database work, and a list page's latency at 10,000
and at 1,000,000 rows.

Targets (issue 12, "The speed target, restated"): reads ≥ 0.8× and writes ≥ 0.75× the
throughput of the layer ladder's full-floor rung (the bare app + SQLAlchemy done the way Tongxin
reads + request context + role rule; writes with the audit row in the same transaction),
measured in the same run; and a page at 1,000,000 rows within 1.2× of its latency at 10,000
rows. Tongxin against the bare app itself is printed beside them, for the record.
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import asyncpg

from bench.bare import LAYERS, bare_server
from bench.common import (
    Database,
    Load,
    RequestMaker,
    Result,
    Server,
    Subject,
    Target,
    compare,
    create_organisation,
    fresh_database,
    login,
    machine_load,
    measure,
    migrate,
    ms,
    print_table,
    print_targets,
    ratio,
    run,
    tongxin_server,
)
from shared.pagination import encode_cursor

# Named per run: benchmarks run side by side (one machine, several checkouts) never collide.
DATABASE = f"tongxin_bench_{os.getpid()}"
ORGANISATION = "基准测试政协"
ADMIN = "bench-admin"
SMALL, LARGE = 10_000, 1_000_000
THROUGHPUT = Load(concurrency=16, duration=8.0, rounds=4, warmup=1.0)
LATENCY = Load(concurrency=1, duration=4.0, rounds=8, warmup=0.5)
COLUMNS = "id, name, version, created_at, updated_at"

# --- data ----------------------------------------------------------------------------------------

# Rows with UUIDv7 ids made in SQL: 48 bits of milliseconds (one per row, from an hour ago, so
# they sort before anything the API creates during the run), version 7, variant 10, and bits of
# an md5 for the rest. Names are unique per organisation, as the constraint requires.
FILL_SQL = """
INSERT INTO sectors (id, organisation_id, name, version, created_at, updated_at)
SELECT (lpad(to_hex($2::bigint + g), 12, '0') || '7' || substr(h, 1, 3) || '8'
        || substr(h, 4, 15))::uuid,
       $1, 'bulk-' || g, 1, now(), now()
FROM generate_series($3::bigint, $4::bigint) AS g, LATERAL md5(g::text) AS h
"""
EPOCH_MS = time.time_ns() // 1_000_000 - 3_600_000


async def organisation_id(database: Database) -> uuid.UUID:
    connection = await asyncpg.connect(database.dsn)
    try:
        found: uuid.UUID = await connection.fetchval(
            "SELECT id FROM organisations WHERE name = $1", ORGANISATION
        )
        return found
    finally:
        await connection.close()


async def fill_sectors(database: Database, organisation: uuid.UUID, rows: int) -> tuple[int, float]:
    """Top the sectors table up to ``rows`` rows; returns rows added and seconds taken."""
    started = time.perf_counter()
    connection = await asyncpg.connect(database.dsn)
    try:
        have: int = await connection.fetchval("SELECT count(*) FROM sectors")
        if rows > have:
            await connection.execute(FILL_SQL, organisation, EPOCH_MS, have + 1, rows)
        # Fresh statistics and visibility map, as autovacuum would leave them on a live system.
        await connection.execute("VACUUM ANALYZE sectors")
    finally:
        await connection.close()
    return max(rows - have, 0), time.perf_counter() - started


async def sample(database: Database, sql: str, *args: Any) -> list[Any]:
    connection = await asyncpg.connect(database.dsn)
    try:
        return [row[0] for row in await connection.fetch(sql, *args)]
    finally:
        await connection.close()


async def middle_id(database: Database) -> uuid.UUID:
    rows = await sample(
        database,
        "SELECT id FROM sectors ORDER BY id OFFSET (SELECT count(*) / 2 FROM sectors) LIMIT 1",
    )
    found: uuid.UUID = rows[0]
    return found


def page_query(organisation: uuid.UUID, after: uuid.UUID | None) -> str:
    """The SQL Tongxin's ``GET /sectors`` runs (its own statement, with the values inlined)."""
    from sqlalchemy.dialects import postgresql

    from shared.auth import Actor
    from shared.org.models import Sector
    from shared.tenancy import scoped

    stmt = scoped(Sector, Actor.system(organisation))
    if after is not None:
        stmt = stmt.where(Sector.id > after)
    stmt = stmt.order_by(Sector.id).limit(21)
    compiled = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return " ".join(str(compiled).split())


async def explain(database: Database, sql: str) -> list[str]:
    return await sample(database, f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")


# --- the cases -----------------------------------------------------------------------------------


def prepare(database: Database) -> uuid.UUID:
    """Migrate, create the organisation and its admin, and give it SMALL sectors."""
    migrate(database)
    run(create_organisation(database, ORGANISATION, ADMIN))
    organisation = run(organisation_id(database))
    added, seconds = run(fill_sectors(database, organisation, SMALL))
    print(f"{database.name}: {added:,} sectors inserted in {seconds:.1f} s", flush=True)
    return organisation


def requests(
    ids: list[uuid.UUID], names_from: str
) -> list[tuple[str, Callable[[str], RequestMaker]]]:
    """The measured requests, each a maker of requests under a path prefix: reads by id, first
    pages and creates (each with a new name, ``names_from`` and a number)."""
    names = itertools.count()
    return [
        (
            "GET /sectors/{id}",
            lambda p: lambda n: ("GET", f"{p}/sectors/{ids[n % len(ids)]}", None),
        ),
        ("GET /sectors?limit=20", lambda p: lambda n: ("GET", f"{p}/sectors?limit=20", None)),
        (
            "POST /sectors",
            lambda p: lambda n: ("POST", f"{p}/sectors", {"name": f"{names_from}-{next(names)}"}),
        ),
    ]


def throughput(
    tongxin: Server, bare_: Server, auth: dict[str, str], ids: list[uuid.UUID]
) -> list[tuple[Result, Result]]:
    """Reads by id, first pages and creates, each under the same load on both apps."""
    cases = requests(ids, "load")
    pairs = []
    for case, maker in cases:
        mine = Subject(f"tongxin {case}", tongxin, maker("/api/v1"), auth)
        theirs = Subject(f"bare    {case}", bare_, maker(""))
        done = measure([mine, theirs], THROUGHPUT)
        pairs.append((done[0], done[1]))
        print(f"  measured {case} ({machine_load()})", flush=True)
    return pairs


def ladder(
    database: Database,
    organisation: uuid.UUID,
    tongxin: Server,
    bare_: Server,
    auth: dict[str, str],
    ids: list[uuid.UUID],
) -> list[list[Result]]:
    """``GET /sectors/{id}`` and ``POST /sectors`` on the bare app with Tongxin's pieces added
    one by one (see ``bench.bare``), then on Tongxin: what each layer costs."""
    cases = [case for case in requests(ids, "layer") if case[0] != "GET /sectors?limit=20"]
    rungs = [LAYERS[: i + 1] for i in range(len(LAYERS))]
    results = []
    with ExitStack() as stack:
        servers = [stack.enter_context(bare_server(database, organisation, r)) for r in rungs]
        for case, maker in cases:
            subjects = [Subject(f"{case} bare", bare_, maker(""))]
            subjects += [
                Subject(f"  + {rung[-1]}", server, maker(""), auth)
                for rung, server in zip(rungs, servers, strict=True)
            ]
            subjects.append(Subject("  tongxin", tongxin, maker("/api/v1"), auth))
            results.append(measure(subjects, THROUGHPUT))
            print(f"  measured the layers of {case} ({machine_load()})", flush=True)
    return results


def print_ladder(ladders: list[list[Result]]) -> None:
    rows = []
    for results in ladders:
        base = results[0]
        rows += [
            [
                r.label,
                f"{r.rps:.0f}",
                f"{ratio(r.rps, base.rps):.2f}x",
                f"{r.cpu_ms(r.server_cpu):.3f}",
                f"{r.cpu_ms(r.server_cpu) - base.cpu_ms(base.server_cpu):+.3f}",
            ]
            for r in results
        ]
    print_table(
        ["layers", "req/s", "vs bare", "server CPU ms/req", "vs bare"],
        rows,
        "What each layer costs: the bare app with Tongxin's own pieces added one by one",
    )


def page(
    label: str, server: Server, prefix: str, auth: dict[str, str], cursor: str
) -> list[Subject]:
    """The first page and a page from the middle of the table, as subjects to measure."""
    first = f"{prefix}/sectors?limit=20"
    middle = f"{first}&cursor={cursor}"
    return [
        Subject(f"{label} first page", server, lambda _: ("GET", first, None), auth),
        Subject(f"{label} middle page", server, lambda _: ("GET", middle, None), auth),
    ]


def print_explain(small: Database, large: Database) -> bool:
    """Print the plans of Tongxin's page query on the large table, and the execution times on
    both; True when every plan walks the primary key index."""
    index_scans, times = True, []
    for rows, database in ((SMALL, small), (LARGE, large)):
        organisation, after = run(organisation_id(database)), run(middle_id(database))
        for where, cursor_id in (("first page", None), ("middle page", after)):
            sql = page_query(organisation, cursor_id)
            plan = run(explain(database, sql))
            index_scans &= any("Index Scan using pk_sectors" in line for line in plan)
            times.append(f"{where} at {rows:,} rows {plan[-1].split(': ')[-1]}")
            if rows == LARGE:
                print(f"\nEXPLAIN ANALYZE, {where}, {LARGE:,} rows:\n  {sql}")
                print("\n".join(f"    {line}" for line in plan))
    print("\nexecution times (EXPLAIN ANALYZE): " + "; ".join(times))
    return index_scans


def size_comparison(
    large: Database, tongxin: Server, bare_: Server, auth: dict[str, str], small: Database
) -> list[Result]:
    """Page latency on the large table against a second database holding the small one, both
    served at the same time so that the turns interleave."""
    large_cursor = encode_cursor(run(middle_id(large)))
    small_cursor = encode_cursor(run(middle_id(small)))
    small_org = run(organisation_id(small))
    with tongxin_server(small) as tongxin_small, bare_server(small, small_org) as bare_small:
        small_auth = login(tongxin_small, ADMIN)
        subjects = [
            *page("tongxin small", tongxin_small, "/api/v1", small_auth, small_cursor),
            *page("tongxin large", tongxin, "/api/v1", auth, large_cursor),
            *page("bare small", bare_small, "", {}, small_cursor),
            *page("bare large", bare_, "", {}, large_cursor),
        ]
        results = measure(subjects, LATENCY)
    print(f"  measured list pages ({machine_load()})", flush=True)
    return results


def main() -> None:
    started = time.perf_counter()
    print(f"throughput load: {THROUGHPUT}\nlatency load: {LATENCY}\n{machine_load()}", flush=True)
    with fresh_database(DATABASE) as large, fresh_database(f"{DATABASE}_small") as small:
        organisation = prepare(large)
        prepare(small)
        with tongxin_server(large) as tongxin, bare_server(large, organisation) as bare_:
            auth = login(tongxin, ADMIN)
            ids = run(sample(large, "SELECT id FROM sectors ORDER BY random() LIMIT 1000"))
            pairs = throughput(tongxin, bare_, auth, ids)
            layers = ladder(large, organisation, tongxin, bare_, auth, ids)
            added, seconds = run(fill_sectors(large, organisation, LARGE))
            print(f"{large.name}: {added:,} sectors inserted in {seconds:.1f} s", flush=True)
            pages = size_comparison(large, tongxin, bare_, auth, small)
        plan_ok = print_explain(small, large)
        print_ladder(layers)
        report(pairs, layers, pages, plan_ok)
    print(f"foundation benchmark took {time.perf_counter() - started:.0f} s", flush=True)


def report(
    pairs: list[tuple[Result, Result]],
    layers: list[list[Result]],
    pages: list[Result],
    plan_ok: bool,
) -> None:
    load = f"{THROUGHPUT.concurrency} concurrent clients, {THROUGHPUT.duration:.0f} s per case"
    compare(pairs, f"Throughput and latency ({load}, in {THROUGHPUT.rounds} alternating turns)")
    by_label = {result.label: result for result in pages}
    rows = []
    for app in ("tongxin", "bare"):
        for where in ("first page", "middle page"):
            small, large = by_label[f"{app} small {where}"], by_label[f"{app} large {where}"]
            p50 = [ms(small.p50), ms(large.p50), f"{ratio(large.p50, small.p50):.2f}x"]
            p99 = [ms(small.p99), ms(large.p99), f"{ratio(large.p99, small.p99):.2f}x"]
            rows.append([f"{app} {where}", *p50, *p99])
    sizes = [f"{SMALL:,}", f"{LARGE:,}", "ratio"]
    headers = ["GET /sectors?limit=20", *(f"p50 {s}" for s in sizes), *(f"p99 {s}" for s in sizes)]
    print_table(
        headers,
        rows,
        "List page latency (ms) against table size, one request at a time, interleaved turns",
    )
    print(f"\nprimary-key index scan in all four plans: {'yes' if plan_ok else 'NO'}")
    # Each ladder ends with its full-floor rung (every layer) and then Tongxin itself.
    (*_, read_floor, read), (*_, write_floor, write) = layers
    targets = [
        Target("read by id: req/s vs full floor", ratio(read.rps, read_floor.rps), 0.8, True),
        Target("write + audit: req/s vs full floor", ratio(write.rps, write_floor.rps), 0.75, True),
    ]
    for where in ("first page", "middle page"):
        small, large = by_label[f"tongxin small {where}"], by_label[f"tongxin large {where}"]
        name = f"{where} p50 at {LARGE:,} vs {SMALL:,} rows"
        targets.append(Target(name, ratio(large.p50, small.p50), 1.2, False))
    print_targets(targets, "Summary: the targets of issue 12 (the ladder's full floor)")
    record = [
        [
            case.label.removeprefix("tongxin "),
            f"{ratio(case.rps, base.rps):.2f}x",
            f"{ratio(base.cpu_ms(base.server_cpu), case.cpu_ms(case.server_cpu)):.2f}x",
        ]
        for case, base in pairs
    ]
    print_table(
        ["case", "req/s vs bare", "bare CPU / tongxin CPU"],
        record,
        "For the record: Tongxin against the bare app (no target)",
    )
