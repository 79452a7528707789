"""Pure ASGI middleware: request id, access log, metrics, the last-resort 500, body size limit."""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.problems import problem
from shared.observability import request_id_var

log = logging.getLogger("tongxin.access")

REQUESTS = Counter("tongxin_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "tongxin_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContext:
    """Gives every request an id (the caller's ``X-Request-ID`` when sane), echoes it, logs one
    JSON line per request, counts it, and turns an unhandled error into a problem+json 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        id_header = request_id.encode()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", id_header)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error")
            if response_started:
                raise
            status = 500
            await problem(
                500,
                "internal_error",
                "Internal error",
                "Something went wrong on our side; the request id helps us find it.",
            )(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            _count(scope, status, elapsed)
            if log.isEnabledFor(logging.INFO):
                method, path = scope["method"], scope["path"]
                fields = {"method": method, "path": path, "status": status}
                fields["ms"] = round(elapsed * 1000, 2)
                log.info("%s %s %s", method, path, status, extra={"fields": fields})
            request_id_var.reset(token)


def _request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is sane, else a fresh one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming: str = value.decode("latin-1")
            if _SAFE_ID.match(incoming):
                return incoming
            break
    return os.urandom(16).hex()


# The labelled children of the two metrics, looked up once per label set: ``labels()`` checks
# and locks on every call, which is a noticeable part of a small request.
_counters: dict[tuple[str, str, int], Any] = {}
_timers: dict[tuple[str, str], Any] = {}


def _count(scope: Scope, status: int, elapsed: float) -> None:
    method, route = scope["method"], getattr(scope.get("route"), "path", "unmatched")
    counter = _counters.get((method, route, status))
    if counter is None:
        counter = _counters[method, route, status] = REQUESTS.labels(method, route, str(status))
    timer = _timers.get((method, route))
    if timer is None:
        timer = _timers[method, route] = LATENCY.labels(method, route)
    counter.inc()
    timer.observe(elapsed)


class BodyLimit:
    """Refuses bodies over the limit with 413: by ``Content-Length`` before reading, or while a
    chunked body streams in (raised as an HTTP 413 that the problem handlers render)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response: Any = problem(
                413,
                "payload_too_large",
                "Payload too large",
                f"Request bodies are limited to {self.max_bytes} bytes.",
            )
            await response(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(
                        413, f"Request bodies are limited to {self.max_bytes} bytes."
                    )
            return message

        await self.app(scope, counting_receive, send)
