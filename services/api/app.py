"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine
from swagger_ui_bundle import swagger_ui_path

import shared.contexts  # noqa: F401  (registers every context's workflows)
from services.api import problems
from services.api.deps import IdempotencyReplay, replay_response
from services.api.middleware import BodyLimit, RequestContext
from services.api.routers import (
    auth,
    cards,
    consultation,
    events,
    meta,
    ops,
    org,
    party,
    report,
    scorecard,
    studio,
    suggestion,
    supervision,
    webhooks,
)
from services.api.safe_text import SafeText
from shared.config import Settings, get_settings
from shared.db import make_engine, make_sessionmaker
from shared.events import Waker

API_PREFIX = "/api/v1"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    waker: Waker | None = None,
    background: Lifespan | None = None,
) -> FastAPI:
    """Build the API. ``waker`` rings the worker after commits; ``background`` runs alongside
    the app (the embedded worker under ``tongxin serve``)."""
    settings = settings or get_settings()
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if background is None:
            yield
        else:
            async with background(app):
                yield
        if owns_engine:
            await engine.dispose()

    app = FastAPI(
        title="Tongxin 同心",
        summary="Backend of a district CPPCC duty-performance platform (政协履职平台)",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.waker = waker

    problems.install(app)
    app.add_exception_handler(IdempotencyReplay, replay_response)
    app.add_middleware(SafeText)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)  # outermost: its request id is on every response

    # Each context's router hangs directly off the app: FastAPI walks every nested router's
    # routes on each request, so a single intermediate ``/api/v1`` router would double that.
    for module in (
        auth,
        org,
        meta,
        party,
        supervision,
        studio,
        cards,
        consultation,
        suggestion,
        report,
        events,
        webhooks,
        scorecard,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(ops.router)
    app.mount("/docs-static", StaticFiles(directory=str(swagger_ui_path)), name="docs-static")
    return app
