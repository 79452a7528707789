"""The bare app of the foundation benchmark: Tongxin's sector reads and writes done straight on
asyncpg with nothing around them, and, layer by layer, what Tongxin puts around them.

No authentication, no transaction per request, no audit row, no request id, no access log:
what Tongxin costs beyond this is the price of its stack and conventions. ``BENCH_LAYERS`` adds
Tongxin's own pieces to ``GET /sectors/{id}`` and ``POST /sectors``, one at a time, to show what
each costs:

- ``sqlalchemy``: the row read through SQLAlchemy (the design card's stack) exactly as Tongxin
  reads a plain row: a GET's session (``shared.db.make_read_sessionmaker``) running
  ``shared.tenancy.row``; the insert with its audit row (which the write target counts) in one
  transaction through SQLAlchemy Core, in one greenlet;
- ``context``: the request-id / JSON access log / metrics middleware (``RequestContext``);
- ``auth``: the bearer-token role rule (``Guard``), the token checked as Tongxin checks it.

Served by ``uvicorn --factory bench.bare:bare_app`` with BENCH_DSN, BENCH_DATABASE_URL and
BENCH_ORGANISATION_ID set.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine, insert
from sqlalchemy.util import greenlet_spawn

from bench.common import Database, Server, free_port, serve
from shared import clock
from shared.auth import Actor
from shared.db import uuid7
from shared.pagination import decode_cursor, encode_cursor

COLUMNS = "id, name, version, created_at, updated_at"
LAYERS = ("sqlalchemy", "context", "auth")

bare = APIRouter()


class SectorIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


def _sector(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "version": row["version"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


@bare.get("/sectors/{sector_id}")
async def get_sector(request: Request, sector_id: uuid.UUID) -> JSONResponse:
    state = request.app.state
    if state.engine is not None:
        from shared import tenancy
        from shared.errors import NotFound
        from shared.org.models import Sector

        try:
            async with state.read_sessionmaker() as session:
                found = await tenancy.row(session, Sector, state.system, sector_id)
        except NotFound:
            return JSONResponse({"detail": "not found"}, status_code=404)
        row = found._mapping
    else:
        row = await state.pool.fetchrow(
            f"SELECT {COLUMNS} FROM sectors WHERE id = $1 AND organisation_id = $2",
            sector_id,
            state.organisation_id,
        )
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse(_sector(row))


@bare.get("/sectors")
async def list_sectors(
    request: Request, limit: int = 20, cursor: str | None = None
) -> JSONResponse:
    rows = await request.app.state.pool.fetch(
        f"SELECT {COLUMNS} FROM sectors WHERE organisation_id = $1 AND id > $2 "
        "ORDER BY id LIMIT $3",
        request.app.state.organisation_id,
        decode_cursor(cursor) if cursor else uuid.UUID(int=0),
        limit + 1,
    )
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]["id"]) if len(rows) > limit else None
    return JSONResponse({"items": [_sector(r) for r in page], "next_cursor": next_cursor})


def _create_with_audit(
    engine: Engine, organisation_id: uuid.UUID, name: str, actor: Actor | None
) -> Any:
    """The insert and its audit row in one transaction, through SQLAlchemy Core, in one
    greenlet: the least a write can cost on the design card's stack with an audit trail."""
    from shared.audit import AuditEntry
    from shared.org.models import Sector

    sector, now = Sector.__table__, clock.now()
    with engine.begin() as connection:
        row = connection.execute(
            insert(sector)
            .values(
                id=uuid7(),
                organisation_id=organisation_id,
                name=name,
                version=1,
                created_at=now,
                updated_at=now,
            )
            .returning(*sector.c)
        ).one()
        connection.execute(
            insert(AuditEntry.__table__).values(
                id=uuid7(),
                organisation_id=organisation_id,
                at=now,
                actor_id=actor.id if actor else None,
                actor_label=actor.label if actor else "bench",
                actor_role=actor.role.value if actor else "admin",
                entity_type="sector",
                entity_id=row.id,
                action="created",
                changes={"name": name},
            )
        )
    return row._mapping


@bare.post("/sectors", status_code=201)
async def create_sector(request: Request, body: SectorIn) -> JSONResponse:
    state = request.app.state
    if state.engine is not None:
        actor = request.scope.get("tongxin.actor")
        row = await greenlet_spawn(
            _create_with_audit, state.engine.sync_engine, state.organisation_id, body.name, actor
        )
        return JSONResponse(_sector(row), status_code=201)
    row = await request.app.state.pool.fetchrow(
        "INSERT INTO sectors (id, organisation_id, name, version, created_at, updated_at) "
        f"VALUES ($1, $2, $3, 1, now(), now()) RETURNING {COLUMNS}",
        uuid7(),
        request.app.state.organisation_id,
        body.name,
    )
    return JSONResponse(_sector(row), status_code=201)


def bare_app() -> FastAPI:
    layers = set(filter(None, os.environ.get("BENCH_LAYERS", "").split(",")))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # As many connections as the load has clients (the layered apps read through
        # SQLAlchemy's pool instead): several of these run at once beside Tongxin, and
        # PostgreSQL allows 100 connections in all.
        app.state.engine = None
        app.state.organisation_id = uuid.UUID(os.environ["BENCH_ORGANISATION_ID"])
        if "sqlalchemy" in layers:
            from shared.db import make_engine, make_read_sessionmaker

            app.state.engine = make_engine(os.environ["BENCH_DATABASE_URL"], pool_size=16)
            app.state.read_sessionmaker = make_read_sessionmaker(app.state.engine)
            app.state.system = Actor.system(app.state.organisation_id)
        app.state.pool = await asyncpg.create_pool(
            os.environ["BENCH_DSN"], min_size=0 if layers else 10, max_size=20
        )
        yield
        await app.state.pool.close()
        if app.state.engine is not None:
            await app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.add_api_route("/healthz", lambda: {"status": "ok"})
    dependencies = []
    if "auth" in layers:
        from services.api.deps import Guard
        from shared.config import Settings

        app.state.settings = Settings(env="test", database_url=os.environ["BENCH_DATABASE_URL"])
        dependencies.append(Depends(Guard(None)))
    app.include_router(bare, dependencies=dependencies)
    if "context" in layers:
        from services.api.middleware import RequestContext
        from shared.observability import configure_logging

        configure_logging("INFO")
        app.add_middleware(RequestContext)
    return app


def bare_server(
    database: Database, organisation_id: uuid.UUID, layers: Sequence[str] = ()
) -> AbstractContextManager[Server]:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "--factory", "bench.bare:bare_app"]
    argv += f"--host 127.0.0.1 --port {port} --no-access-log --log-level warning".split()
    env = {
        "BENCH_DSN": database.dsn,
        "BENCH_DATABASE_URL": database.url,
        "BENCH_ORGANISATION_ID": str(organisation_id),
        "BENCH_LAYERS": ",".join(layers),
    }
    name = "+".join(("bare", *layers))
    return serve(name, argv, port, env=env, ready_path="/healthz")
