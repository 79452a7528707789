"""One unit of work per request: its database session, its plain reads, its commit, its doorbell."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import greenlet_spawn

from services.api.problems import ERROR_RESPONSES
from shared.db import begin_on_first_write, reading
from shared.events import commit_and_ring, drop_wakeups

log = logging.getLogger("tongxin.api")

P = ParamSpec("P")
T = TypeVar("T")

# Requests whose transaction starts only if they write (an API key's last use, now and then).
_READS = frozenset({"GET", "HEAD"})

# Where a request's unit of work lives in the ASGI scope.
_UNIT_OF_WORK = "tongxin.unit_of_work"


class UnitOfWork:
    """A request's database work: a session opened when something first asks for it, committed
    when the endpoint returns and rolled back when it raises (see ``UnitOfWorkRoute``)."""

    __slots__ = ("_request", "_session")

    def __init__(self, request: Request) -> None:
        self._request = request
        self._session: AsyncSession | None = None

    async def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self._request.app.state.sessionmaker()
            if self._request.method in _READS:
                begin_on_first_write(self._session)
        return self._session

    async def read(
        self, query: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Plain reads: ``query(connection, ...)``, written against SQLAlchemy's synchronous
        Core API, run in one greenlet. SQLAlchemy's asyncio layer switches greenlets for every
        awaited call (connect, execute, close, …) and an ORM session builds its identity map
        and unit of work; for a read of a row or a page that overhead, not PostgreSQL, was most
        of the request. Inside an open session, the read joins its connection and transaction."""
        if self._session is not None:
            return await self._session.run_sync(
                lambda session: query(session.connection(), *args, **kwargs)
            )
        engine = self._request.app.state.engine.sync_engine
        return await greenlet_spawn(functools.partial(reading, engine, query, *args, **kwargs))

    async def run(self, endpoint: Callable[[Request], Awaitable[Response]]) -> Response:
        """Run ``endpoint`` and end its session: commit before the response is sent (so a
        failed commit is the response), then ring the worker's doorbell
        (``shared.events.commit_and_ring``: only after a successful commit, a failed ring left
        to the worker's sweep)."""
        try:
            response = await endpoint(self._request)
            if self._session is None:
                return response
            await commit_and_ring(self._session, self._request.app.state.waker)
        except BaseException:
            if self._session is not None:
                await self._session.rollback()
                drop_wakeups(self._session)
            raise
        finally:
            if self._session is not None:
                await self._session.close()
        return response


def unit_of_work(request: Request) -> UnitOfWork:
    work: UnitOfWork = request.scope[_UNIT_OF_WORK]  # KeyError: a route not from api_router()
    return work


class UnitOfWorkRoute(APIRoute):
    """Every route of the API runs in one unit of work. A route wrapper rather than a
    dependency with ``yield``: FastAPI's machinery for those (exit stacks, shielded exits)
    cost more than a small read's own database work."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = super().get_route_handler()

        async def in_unit_of_work(request: Request) -> Response:
            work = request.scope[_UNIT_OF_WORK] = UnitOfWork(request)
            return await work.run(endpoint)

        return in_unit_of_work


def api_router(**options: Any) -> APIRouter:
    """A router whose routes run in a unit of work and document every problem they return."""
    return APIRouter(route_class=UnitOfWorkRoute, responses=ERROR_RESPONSES, **options)
