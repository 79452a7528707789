"""Operations endpoints (no auth): liveness, readiness, Prometheus metrics, local API docs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.api.problems import PROBLEM_MEDIA_TYPE, Problem, problem
from services.api.schemas import media
from shared.health import check_ready

router = APIRouter(tags=["operations"])

# The media type /metrics answers with, without its charset (the OpenAPI key names the format).
PROMETHEUS = CONTENT_TYPE_LATEST.split("; charset")[0]


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database (and Redis, when configured) answer",
    responses={
        503: {
            "model": Problem,
            "description": "`not_ready`, naming what is down",
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    },
)
async def readyz(request: Request) -> Any:
    checks = await check_ready(request.app.state.engine, request.app.state.settings.redis_url)
    if all(ok for ok in checks.values()):
        return {"status": "ok", "checks": {k: "ok" for k in checks}}
    failing = ", ".join(k for k, ok in checks.items() if not ok)
    return problem(
        503,
        "not_ready",
        "Not ready",
        f"Not reachable: {failing}.",
        checks={k: "ok" if ok else "down" for k, ok in checks.items()},
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses=media(PROMETHEUS, "Prometheus text exposition format"),
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    # Swagger UI from our own static files: government intranets have no internet.
    return get_swagger_ui_html(
        openapi_url="/api/v1/openapi.json",
        title="Tongxin API",
        swagger_js_url="/docs-static/swagger-ui-bundle.js",
        swagger_css_url="/docs-static/swagger-ui.css",
        swagger_favicon_url="/docs-static/favicon-32x32.png",
    )
