"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine
from swagger_ui_bundle import swagger_ui_path

from services import contexts
from services.api import problems
from services.api.deps import IdempotencyReplay, replay_response
from services.api.middleware import BodyLimit, RequestContext
from services.api.routers import auth, meta, ops
from services.api.safe_text import SafeText
from shared.config import Settings, get_settings
from shared.db import make_engine, make_read_sessionmaker, make_sessionmaker
from shared.events import Waker

API_PREFIX = "/api/v1"

# What browsers on TONGXIN_CORS_ORIGINS may send and read (bearer tokens: no credentials mode).
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "Idempotency-Key",
    "Accept-Language",
    "X-Request-ID",
]
CORS_EXPOSED_HEADERS = ["ETag", "Location", "X-Request-ID", "Retry-After", "Idempotent-Replayed"]

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
    contexts.install()
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
    app.state.read_sessionmaker = make_read_sessionmaker(engine)
    app.state.waker = waker

    problems.install(app)
    app.add_exception_handler(IdempotencyReplay, replay_response)
    app.add_middleware(SafeText)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)  # outermost: its request id is on every response
    if settings.cors_origins:
        # Around even that, so that a browser may read every answer (its last-resort 500 too).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            max_age=600,
        )

    # Each router hangs directly off the app: FastAPI walks every nested router's routes on
    # each request, so a single intermediate ``/api/v1`` router would double that.
    for router in (auth.router, meta.router, *contexts.routers()):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(ops.router)
    app.mount("/docs-static", StaticFiles(directory=str(swagger_ui_path)), name="docs-static")
    return app
