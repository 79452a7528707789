"""One unit of work per request: its database session, its commit, its doorbell.

Every route reads and writes through ``unit_of_work(request).session()`` (the ``Session``
dependency): the queries of ``shared/<context>/queries.py`` and ``shared.tenancy`` for reads,
the commands for writes. A GET or HEAD gets a session from ``make_read_sessionmaker`` (on
PostgreSQL each statement commits by itself, no BEGIN/COMMIT round trips), every other method
one transaction; the HTTP method decides, nothing else."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.problems import ERROR_RESPONSES
from shared.events import commit_and_ring, drop_wakeups

log = logging.getLogger("tongxin.api")

# Requests that read: their session runs outside a transaction on PostgreSQL.
READ_METHODS = frozenset({"GET", "HEAD"})

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
            state = self._request.app.state
            if self._request.method in READ_METHODS:
                self._session = state.read_sessionmaker()
            else:
                self._session = state.sessionmaker()
        return self._session

    async def run(self, endpoint: Callable[[Request], Awaitable[Response]]) -> Response:
        """Run ``endpoint`` and end its session: commit before the response is sent (so a
        failed commit is the response), then ring the worker's doorbell
        (``shared.events.commit_and_ring``: only after a successful commit, a failed ring left
        to the worker's sweep). A read request that changed ORM objects fails loudly instead:
        its session would commit each statement alone."""
        try:
            response = await endpoint(self._request)
            if self._session is None:
                return response
            if self._request.method in READ_METHODS and _changed(self._session):
                raise RuntimeError(
                    f"A {self._request.method} request changed rows; write in a POST."
                )
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


def _changed(session: AsyncSession) -> bool:
    return bool(session.new or session.dirty or session.deleted)


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
