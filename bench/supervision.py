"""Supervision benchmark (issue 3, "Speed"): the timer sweep and the closed loop's reaction time.

1. With 100,000 open cases (each with its pending, not yet due, deadline timers) and 100, then
   1,000 due timers in PostgreSQL, one sweep of due timers (``jobs.fire_due``) is timed: its
   cost must follow the due timers, not the table, so the time per due timer stays flat. The
   plan of the claim query shows the partial index on ``due_at``.
2. The delay from a department's feedback being committed to the worker's automatic move
   (``awaiting_evaluation``), p50/p99, for the embedded runner and for an arq worker process.
   Target: p50 under one second.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import (
    ROOT,
    Database,
    create_organisation,
    fresh_database,
    machine_load,
    migrate,
    ms,
    percentile,
    print_table,
    run,
)
from services.api.app import create_app
from services.worker import jobs
from services.worker.arq_app import ArqWaker
from services.worker.embedded import EmbeddedRunner
from shared import clock
from shared.audit import AuditEntry
from shared.auth import Actor, Role, issue_token
from shared.config import Settings
from shared.db import make_engine, make_sessionmaker
from shared.events import Waker
from shared.org import commands as org_commands
from shared.org.models import Department, Organisation
from shared.org.schemas import UserCreate
from shared.supervision import commands, schemas
from shared.supervision.models import SupervisionCase
from shared.timers import Timer

DATABASE = "tongxin_bench_supervision"
ORGANISATION = "监督基准政协"
OPEN_CASES = int(os.environ.get("TONGXIN_BENCH_OPEN_CASES", "100000"))
DUE_COUNTS = (100, 1_000)
LOOP_CASES = 60
REDIS_URL = os.environ.get("TONGXIN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

# --- bulk data -----------------------------------------------------------------------------------

OPEN_CASES_SQL = """
INSERT INTO supervision_cases (id, organisation_id, topic_id, title, issue, recommendation, round,
    feedback_due_at, overdue, escalation_level, version, created_at, updated_at, state,
    state_changed_at)
SELECT gen_random_uuid(), $1, $2, '案例 ' || n, '问题', '建议', 1, now() + interval '90 days',
    false, 0, 1, now(), now(), 'awaiting_feedback', now()
FROM generate_series(1, $3) AS n
"""
CASE_DEPARTMENTS_SQL = """
INSERT INTO supervision_case_departments (case_id, department_id)
SELECT id, $2 FROM supervision_cases WHERE topic_id = $1
"""
# Every open case carries its not-yet-due ladder: the sweep must step over none of it.
TIMERS = """INSERT INTO timers (id, organisation_id, kind, subject_type, subject_id, due_at,
    payload, state, attempts, created_at, updated_at)"""
FUTURE_TIMERS_SQL = f"""{TIMERS}
SELECT gen_random_uuid(), organisation_id, kind, 'supervision_case', id,
    feedback_due_at - offset_, '{{"round": 1}}', 'pending', 0, now(), now()
FROM supervision_cases,
    (VALUES ('supervision_case.feedback_reminder', interval '7 days'),
            ('supervision_case.overdue', interval '0 days')) AS ladder(kind, offset_)
WHERE topic_id = $1
"""
DUE_TIMERS_SQL = f"""{TIMERS}
SELECT gen_random_uuid(), organisation_id, 'supervision_case.overdue', 'supervision_case', id,
    now() - interval '1 minute', '{{"round": 1}}', 'pending', 0, now(), now()
FROM supervision_cases
WHERE topic_id = $1 AND NOT overdue
    AND id NOT IN (SELECT subject_id FROM timers WHERE due_at < now() - interval '10 seconds')
LIMIT $2
"""


async def _organisation(engine: AsyncEngine) -> Organisation:
    async with make_sessionmaker(engine)() as session:
        found = await session.scalar(select(Organisation).where(Organisation.name == ORGANISATION))
        assert found is not None
        return found


async def _topic(
    engine: AsyncEngine, organisation_id: uuid.UUID, name: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """A department and a topic aimed at it (through the context's own commands)."""
    system = Actor.system(organisation_id)
    staff = Actor(id=None, organisation_id=organisation_id, role=Role.staff, label="bench staff")
    async with make_sessionmaker(engine)() as session:
        department = await org_commands.create(session, system, Department, {"name": name})
        values = schemas.TopicCreate(
            year=2023,
            title=f"基准专题 {name}",
            department_ids=[department.id],
            follow_up_after=None,
        )
        topic = await commands.create_topic(session, staff, values.model_dump())
        await session.commit()
        return department.id, topic.id


# --- 1. the sweep ------------------------------------------------------------------------------


async def sweep_figures(database: Database) -> None:
    engine = make_engine(database.url)
    organisation = await _organisation(engine)
    department_id, topic_id = await _topic(engine, organisation.id, "区住建局")
    connection = await asyncpg.connect(database.dsn)
    try:
        started = time.perf_counter()
        await connection.execute(OPEN_CASES_SQL, organisation.id, topic_id, OPEN_CASES)
        await connection.execute(CASE_DEPARTMENTS_SQL, topic_id, department_id)
        await connection.execute(FUTURE_TIMERS_SQL, topic_id)
        await connection.execute("VACUUM ANALYZE")
        seconds = time.perf_counter() - started
        print(f"seeded {OPEN_CASES:,} open cases, {2 * OPEN_CASES:,} timers in {seconds:.0f} s")
        await _timed_sweep(connection, engine, topic_id, 20)  # warm-up, not reported
        rows = [
            await _timed_sweep(connection, engine, topic_id, due, explain=due == DUE_COUNTS[-1])
            for due in DUE_COUNTS
        ]
    finally:
        await connection.close()
        await engine.dispose()
    title = f"One sweep of due timers ({OPEN_CASES:,} open cases; {machine_load()})"
    print_table(
        ["due timers", "pending in all", "fired", "total ms", "ms per due timer"],
        [[f"{r[0]:,}", f"{r[1]:,}", r[2], f"{r[3]:.0f}", f"{r[3] / r[2]:.2f}"] for r in rows],
        title,
    )
    (small, *_, low), (large, *_, high) = rows
    print(f"{large / small:.0f}x the due timers took {high / low:.1f}x the time")


async def _timed_sweep(
    connection: asyncpg.Connection,
    engine: AsyncEngine,
    topic_id: uuid.UUID,
    due: int,
    *,
    explain: bool = False,
) -> tuple[int, int, int, float]:
    """(due, pending, fired, milliseconds) of one ``fire_due`` over ``due`` fresh due timers."""
    await connection.execute(DUE_TIMERS_SQL, topic_id, due)
    await connection.execute("ANALYZE timers")
    if explain:
        await _explain(connection, engine)
    pending: int = await connection.fetchval("SELECT count(*) FROM timers WHERE state = 'pending'")
    started = time.perf_counter()
    fired = await jobs.fire_due(make_sessionmaker(engine), None, limit=10 * due)
    return due, pending, fired, (time.perf_counter() - started) * 1000


async def _explain(connection: asyncpg.Connection, engine: AsyncEngine) -> None:
    """The plan of the very statement ``jobs.fire_one`` claims with."""
    claim = (
        select(Timer)
        .where(Timer.state == "pending", Timer.due_at <= clock.now())
        .order_by(Timer.due_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    compiled = claim.compile(dialect=engine.dialect)
    values = [compiled.params[name] for name in (compiled.positiontup or [])]
    transaction = connection.transaction()
    await transaction.start()
    try:  # ANALYZE really runs the claim: roll its row lock back
        plan = await connection.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {compiled}", *values)
    finally:
        await transaction.rollback()
    print("\nEXPLAIN ANALYZE of the due-timer claim:\n  " + str(compiled).replace("\n", " "))
    for row in plan:
        print("  " + row[0])


# --- 2. feedback → automatic move ---------------------------------------------------------------


async def _department_login(
    engine: AsyncEngine, organisation_id: uuid.UUID, department_id: uuid.UUID
) -> dict[str, str]:
    """A department handler's user and its bearer header."""
    values = UserCreate(
        username=f"bench-dep-{uuid.uuid4().hex[:8]}",
        password="bench-password",
        role="department",
        display_name="基准部门",
        department_id=department_id,
    )
    async with make_sessionmaker(engine)() as session:
        system = Actor.system(organisation_id)
        user = await org_commands.create_user(session, system, values.model_dump())
        await session.commit()
    claims = {"org": str(organisation_id), "role": "department", "dep": str(department_id)}
    secret = Settings(env="test").secret
    token = issue_token(
        secret, user_id=user.id, kind="access", ttl=timedelta(hours=1), name="基准部门", **claims
    )
    return {"Authorization": f"Bearer {token}"}


async def _loop_cases(
    engine: AsyncEngine, organisation_id: uuid.UUID, label: str
) -> tuple[list[uuid.UUID], dict[str, str]]:
    """Cases waiting for one department's answer, and that department handler's headers."""
    department_id, topic_id = await _topic(engine, organisation_id, f"区农业农村局 {label}")
    staff = Actor(id=None, organisation_id=organisation_id, role=Role.staff, label="bench staff")
    case_ids = []
    async with make_sessionmaker(engine)() as session:
        for number in range(LOOP_CASES):
            values = schemas.CaseCreate(
                topic_id=topic_id,
                title=f"时延 {number}",
                issue="问题",
                recommendation="建议",
                department_ids=[department_id],
            )
            case = await commands.create_case(session, staff, values.model_dump())
            await commands.move(session, staff, case, schemas.Start(action="start"))
            await commands.move(session, staff, case, schemas.Report(action="report"))
            case_ids.append(case.id)
        await session.commit()
    return case_ids, await _department_login(engine, organisation_id, department_id)


async def _delays(
    engine: AsyncEngine,
    waker: Waker,
    case_ids: list[uuid.UUID],
    headers: dict[str, str],
    settings: Settings,
) -> list[float]:
    """Answer each case in turn through the API; the delay is read from the audit log: from the
    feedback's record to the worker's ``all_answered`` record (both written by ``clock.now``)."""
    app = create_app(settings, engine=engine, waker=waker)
    transport = httpx.ASGITransport(app=app)
    body = {"action": "feedback", "text": "已整改", "completion": "done"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for case_id in case_ids:
            url = f"/api/v1/supervision-cases/{case_id}/transitions"
            response = await client.post(url, json=body, headers=headers)
            response.raise_for_status()
            await _moved(engine, case_id)
    async with make_sessionmaker(engine)() as session:
        entries = (
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.entity_id.in_(case_ids),
                    AuditEntry.action.in_(("feedback", "all_answered")),
                )
            )
        ).all()
    at = {(e.entity_id, e.action): e.at for e in entries}
    return sorted((at[c, "all_answered"] - at[c, "feedback"]).total_seconds() for c in case_ids)


async def _moved(engine: AsyncEngine, case_id: uuid.UUID) -> None:
    deadline = time.monotonic() + 30
    async with make_sessionmaker(engine)() as session:
        while time.monotonic() < deadline:
            state = await session.scalar(
                select(SupervisionCase.state).where(SupervisionCase.id == case_id)
            )
            await session.rollback()
            if state == "awaiting_evaluation":
                return
            await asyncio.sleep(0.005)
    raise RuntimeError(f"case {case_id} was not moved within 30 s")


async def _drain(engine: AsyncEngine) -> None:
    """Relay what the setup wrote, so each measurement sees only its own event."""
    while await jobs.sweep(make_sessionmaker(engine), None):
        pass


@asynccontextmanager
async def embedded_runner(database: Database, engine: AsyncEngine) -> AsyncIterator[Waker]:
    """The worker inside the API process, as ``tongxin serve`` runs it without Redis."""
    runner = EmbeddedRunner(make_sessionmaker(engine), timedelta(seconds=15))
    runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


@asynccontextmanager
async def arq_worker_process(database: Database, queue: str) -> AsyncIterator[None]:
    """``tongxin worker`` in its own process, ready once its health check is in Redis."""
    env = os.environ | {
        "TONGXIN_DATABASE_URL": database.url,
        "TONGXIN_ENV": "test",
        "TONGXIN_REDIS_URL": REDIS_URL,
        "TONGXIN_QUEUE_NAME": queue,
    }
    log_fd, log_path = tempfile.mkstemp(prefix="bench-arq-worker-", suffix=".log")
    argv = (sys.executable, "-m", "services.cli", "worker")
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, env=env, stdout=log_fd, stderr=asyncio.subprocess.STDOUT
    )
    os.close(log_fd)
    redis = Redis.from_url(REDIS_URL)
    try:
        deadline = time.monotonic() + 30
        while not await redis.exists(f"{queue}:health-check"):
            if time.monotonic() > deadline or process.returncode is not None:
                raise RuntimeError("the arq worker did not start")
            await asyncio.sleep(0.1)
        yield
    except Exception:
        text = await asyncio.to_thread(Path(log_path).read_text, errors="replace")
        print(f"arq worker log:\n{text[-3000:]}", flush=True)
        raise
    finally:
        process.terminate()
        await process.wait()
        await redis.delete(queue, f"{queue}:health-check")
        await redis.aclose()
        await asyncio.to_thread(os.unlink, log_path)


@asynccontextmanager
async def arq_worker(database: Database, engine: AsyncEngine) -> AsyncIterator[Waker]:
    """A ``tongxin worker`` process on Redis, rung by the API's arq doorbell."""
    queue = f"tongxin-bench:{os.getpid()}"
    waker = ArqWaker(REDIS_URL, queue)
    try:
        async with arq_worker_process(database, queue):
            yield waker
    finally:
        await waker.close()


Runner = Callable[[Database, AsyncEngine], AbstractAsyncContextManager[Waker]]


async def loop_delays(database: Database, runner: Runner, label: str) -> list[float]:
    engine = make_engine(database.url)
    try:
        organisation = await _organisation(engine)
        case_ids, headers = await _loop_cases(engine, organisation.id, label)
        await _drain(engine)
        async with runner(database, engine) as waker:
            settings = Settings(env="test", database_url=database.url)
            return await _delays(engine, waker, case_ids, headers, settings)
    finally:
        await engine.dispose()


def main() -> None:
    with fresh_database(DATABASE) as database:
        migrate(database)
        run(create_organisation(database, ORGANISATION, "bench-supervision-admin"))
        run(sweep_figures(database))
        rows = []
        runners: list[tuple[str, Runner]] = [
            ("embedded runner", embedded_runner),
            ("arq worker process", arq_worker),
        ]
        for label, runner in runners:
            delays = run(loop_delays(database, runner, label))
            p50, p99 = (percentile(delays, q) for q in (50, 99))
            rows.append([label, len(delays), ms(p50), ms(p99), "MET" if p50 < 1 else "MISSED"])
        print_table(
            ["runner", "answers", "p50 ms", "p99 ms", "p50 < 1 s"],
            rows,
            f"Feedback committed → automatic move to awaiting_evaluation ({machine_load()})",
        )
