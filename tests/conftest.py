"""Test harness: the schema is migrated once per run on each database; every test makes its own
organisation, so tests never see each other's rows (which is also how tenancy works).

PostgreSQL and Redis are real. Under CI=true a missing service fails the run; elsewhere the tests
that need it are skipped with a loud notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.app import create_app
from services.cli import alembic_config
from services.contexts import install
from shared import auth, clock
from shared.auth import Actor, Role, issue_token
from shared.config import Settings
from shared.db import make_engine, make_sessionmaker
from shared.org import commands
from shared.org.models import Department, Member

install()  # the tests run the registered contexts, as `tongxin` does

PG_ADMIN_DSN = os.environ.get("TONGXIN_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_HOST_URL = os.environ.get("TONGXIN_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TONGXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Each run has its own databases and queue, so runs side by side never disturb each other.
RUN = f"{os.getpid()}"
# Runs share Redis database 15: this run's arq queue (and so its jobs' keys) is its own, named
# afresh each run so a pid reused after a crash never inherits stale jobs. Never FLUSHDB.
QUEUE = f"tongxin-test:{RUN}:{uuid.uuid4().hex[:8]}"
PASSWORD = "correct horse battery"

# Cheap argon2 parameters for the many users tests make (a hash records its own parameters, so
# verification stays real); production keeps argon2-cffi's defaults.
auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


async def _postgres_up() -> bool:
    try:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    except Exception:
        return False
    await connection.close()
    return True


async def _redis_up() -> bool:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


SERVICES: dict[str, bool] = {}


def pytest_configure(config: pytest.Config) -> None:
    SERVICES["postgres"] = asyncio.run(_postgres_up())
    SERVICES["redis"] = asyncio.run(_redis_up())
    missing = [name for name, up in SERVICES.items() if not up]
    if missing and IN_CI:
        pytest.exit(f"CI=true but not reachable: {', '.join(missing)}", returncode=3)
    for name in missing:
        print(f"\n!!!!! {name.upper()} IS NOT REACHABLE: its tests are SKIPPED !!!!!\n")


def pytest_unconfigure(config: pytest.Config) -> None:
    if SERVICES.get("redis"):
        asyncio.run(wipe_queue())  # leave nothing of this run behind in the shared database


def needs(service: str) -> None:
    if not SERVICES.get(service):
        pytest.skip(f"{service} is not reachable")


async def recreate_database(name: str) -> str:
    """A fresh, empty PostgreSQL database; returns its SQLAlchemy URL."""
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"{PG_HOST_URL}/{name}"


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def migrate(url: str) -> None:
    from alembic import command

    await asyncio.to_thread(command.upgrade, alembic_config(url), "heads")


def test_settings(url: str, **overrides: Any) -> Settings:
    return Settings(env="test", database_url=url, queue_name=QUEUE, **overrides)


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


async def wipe_queue(queue: str = QUEUE) -> int:
    """What a Redis restart without persistence does to this run's queue: its jobs and their
    keys go, other runs' keys stay (they share the database). Returns how many jobs it held."""
    redis = Redis.from_url(REDIS_URL)
    try:
        job_ids = [j.decode() for j in await redis.zrange(queue, 0, -1)]
        prefixes = ("arq:job:", "arq:in-progress:", "arq:retry:", "arq:result:")
        keys = [prefix + job_id for job_id in job_ids for prefix in prefixes]
        await redis.delete(queue, f"{queue}:health-check", *keys)
        return len(job_ids)
    finally:
        await redis.aclose()


@asynccontextmanager
async def arq_worker(settings: Settings, sessionmaker: Any) -> AsyncIterator[Any]:
    """A real arq worker on the test Redis (the per-run queue), running in this event loop."""
    from services.worker.arq_app import build_worker

    needs("redis")
    worker = build_worker(settings, handle_signals=False, sessionmaker=sessionmaker)
    task = asyncio.create_task(worker.async_run())
    try:
        yield worker
    finally:
        # Stop polling first, then let jobs in flight finish: a job cancelled inside a
        # transaction could strand a SQLite connection holding the write lock for the next test.
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        running = [job for job in worker.tasks.values() if not job.done()]
        if running:
            await asyncio.wait(running, timeout=30)
        # arq's close() re-raises the cancellation of anything still running; expected here.
        with contextlib.suppress(asyncio.CancelledError):
            await worker.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The migrated database of each backend; tests using it run once per backend."""
    if request.param == "postgres":
        needs("postgres")
        url = await recreate_database(f"tongxin_test_{RUN}")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'tongxin.db'}"
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()
    if database_url.startswith("postgresql"):
        await drop_database(database_url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return test_settings(database_url)


@pytest.fixture(scope="session")
def app(settings: Settings, engine: AsyncEngine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    yield
    clock.reset()


@dataclass
class World:
    """One organisation with a login per role, two departments and a member."""

    organisation_id: uuid.UUID
    settings: Settings
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    departments: list[uuid.UUID] = field(default_factory=list)
    member_id: uuid.UUID | None = None
    usernames: dict[str, str] = field(default_factory=dict)

    def token(self, role: str) -> str:
        actor = self.actors[role]
        return issue_token(
            self.settings.secret,
            user_id=self.users[role],
            kind="access",
            ttl=self.settings.access_token_ttl,
            org=str(self.organisation_id),
            role=actor.role.value,
            name=actor.label,
            dep=str(actor.department_id) if actor.department_id else None,
            mem=str(actor.member_id) if actor.member_id else None,
        )

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}


async def make_world(engine: AsyncEngine, settings: Settings) -> World:
    tag = uuid.uuid4().hex[:8]
    async with make_sessionmaker(engine)() as session:
        organisation, _ = await commands.init_organisation(
            session, f"测试政协 {tag}", f"admin-{tag}", PASSWORD
        )
        system = Actor.system(organisation.id)
        world = World(organisation_id=organisation.id, settings=settings)
        for name in ("区住建局", "区农业农村局"):
            department = await commands.create(session, system, Department, {"name": name})
            world.departments.append(department.id)
        member = await commands.create(session, system, Member, {"name": "张委员"})
        world.member_id = member.id
        links: dict[str, dict[str, Any]] = {
            "department": {"department_id": world.departments[0]},
            "department2": {"department_id": world.departments[1]},
            "member": {"member_id": member.id},
        }
        roles = ["admin", "staff", "leader", "member", "department", "department2", "auditor"]
        for role in roles:
            real_role = role.rstrip("2")
            username = f"{role}-{tag}"
            if role == "admin":
                username = f"admin2-{tag}"
            user = await commands.create_user(
                session,
                system,
                {
                    "username": username,
                    "password": PASSWORD,
                    "role": real_role,
                    "display_name": f"{role} {tag}",
                    **links.get(role, {}),
                },
            )
            world.users[role] = user.id
            world.usernames[role] = username
            world.actors[role] = Actor(
                id=user.id,
                organisation_id=organisation.id,
                role=Role(real_role),
                label=user.display_name,
                department_id=user.department_id,
                member_id=user.member_id,
            )
        await session.commit()
    return world


@pytest.fixture
async def world(engine: AsyncEngine, settings: Settings) -> World:
    return await make_world(engine, settings)


@pytest.fixture
async def other_world(engine: AsyncEngine, settings: Settings) -> World:
    """A second organisation: its rows must stay invisible to the first."""
    return await make_world(engine, settings)


ROOT = Path(__file__).resolve().parent.parent
