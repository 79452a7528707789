"""Every error leaves as RFC 9457 problem+json with a stable ``code``; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.api.i18n import ProblemResponse
from shared.errors import DomainError
from shared.observability import request_id_var

log = logging.getLogger("tongxin.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemItem(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemItem] | None = None
    request_id: str | None = None


def _described(status: int, what: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": what,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


# Attached to every router so the OpenAPI document describes each error a client can meet.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _described(400, "Malformed request (`malformed_json`)"),
    401: _described(401, "`unauthenticated`"),
    403: _described(403, "`forbidden`: the role may not do this"),
    404: _described(404, "`not_found` (also for another organisation's objects)"),
    409: _described(409, "`conflict` or `invalid_transition`"),
    412: _described(412, "`version_mismatch`: If-Match is stale"),
    413: _described(413, "`payload_too_large`"),
    422: _described(422, "`validation_error` or `idempotency_key_reused`"),
    429: _described(429, "`rate_limited`"),
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://tongxin.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id_var.get(),
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    # Rendered in the caller's language (Accept-Language) as it is sent: services/api/i18n.py.
    return ProblemResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def domain_problem(exc: DomainError) -> JSONResponse:
    extra = dict(exc.extra)
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra.pop("retry_after"))
    loc = extra.pop("loc", None)
    errors = [{"loc": loc, "msg": exc.detail}] if loc is not None else None
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem(
        exc.status, exc.code, exc.title, exc.detail, errors=errors, headers=headers or None, **extra
    )


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(err.get("type") == "json_invalid" for err in raw):
        return problem(
            400, "malformed_json", "Malformed JSON", "The request body is not valid JSON."
        )
    errors = [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
        }
        for err in raw
    ]
    return invalid(errors)


def invalid(errors: list[dict[str, Any]]) -> JSONResponse:
    """422 ``validation_error`` naming each bad input by ``loc`` (as FastAPI's own checks do)."""
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5])
    return problem(422, "validation_error", "Invalid input", detail, errors=errors)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        404: ("not_found", "Not found"),
        405: ("method_not_allowed", "Method not allowed"),
        413: ("payload_too_large", "Payload too large"),
    }
    code, title = codes.get(exc.status_code, (f"http_{exc.status_code}", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404:
        detail = f"No resource at {request.url.path}."
    return problem(exc.status_code, code, title, detail, headers=dict(exc.headers or {}))


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_problem(exc)


def _integrity(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error: %s", exc)
    return problem(
        409,
        "conflict",
        "Conflict",
        "The change conflicts with existing data (a duplicate, or a row still in use).",
    )


def _stale(request: Request, exc: Exception) -> JSONResponse:
    return problem(
        412,
        "version_mismatch",
        "The resource has changed",
        "Someone else changed this resource first; reload it and try again.",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(StaleDataError, _stale)
