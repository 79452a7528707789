"""CORS (``TONGXIN_CORS_ORIGINS``): the setting, and the headers browsers rely on, in-process on
both databases. tests/api/test_cors_browser.py proves the same in a real browser."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.app import create_app
from shared.config import Settings
from tests.conftest import World, test_settings

FRONTEND = "https://app.tongxin.example"
ELSEWHERE = "https://evil.example"


@pytest.fixture
async def browser_client(
    database_url: str, engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(test_settings(database_url, cors_origins=[FRONTEND]), engine=engine)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def preflight(method: str, origin: str, headers: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_preflight_of_a_conditional_patch_is_answered(
    browser_client: httpx.AsyncClient,
) -> None:
    response = await browser_client.options(
        "/api/v1/sectors/0190c0de-0000-7000-8000-000000000000",
        headers=preflight("PATCH", FRONTEND, "authorization, content-type, if-match"),
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert "PATCH" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "if-match", "idempotency-key"):
        assert header in allowed
    # Bearer tokens, not cookies: credentials are neither needed nor allowed.
    assert "access-control-allow-credentials" not in response.headers


async def test_responses_expose_etag_location_and_request_id(
    browser_client: httpx.AsyncClient, world: World
) -> None:
    headers = {"Origin": FRONTEND, **world.auth("admin")}
    created = await browser_client.post("/api/v1/sectors", json={"name": "界别"}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.headers["access-control-allow-origin"] == FRONTEND
    exposed = {
        h.strip().lower() for h in created.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "location", "x-request-id"} <= exposed
    # Problems are readable too (a browser hides a response without the header).
    missing = await browser_client.get("/api/v1/sectors", headers={"Origin": FRONTEND})
    assert missing.status_code == 401
    assert missing.headers["access-control-allow-origin"] == FRONTEND


async def test_other_origins_are_refused(browser_client: httpx.AsyncClient, world: World) -> None:
    refused = await browser_client.options(
        "/api/v1/sectors", headers=preflight("GET", ELSEWHERE, "authorization")
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    read = await browser_client.get(
        "/api/v1/me", headers={"Origin": ELSEWHERE, **world.auth("staff")}
    )
    assert "access-control-allow-origin" not in read.headers


async def test_no_origins_by_default(client: httpx.AsyncClient, world: World) -> None:
    read = await client.get("/api/v1/me", headers={"Origin": FRONTEND, **world.auth("staff")})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    probe = await client.options("/api/v1/me", headers=preflight("GET", FRONTEND, "authorization"))
    assert "access-control-allow-origin" not in probe.headers


# --- the setting -----------------------------------------------------------------------------


def test_origins_are_read_as_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().cors_origins == []
    monkeypatch.setenv("TONGXIN_CORS_ORIGINS", f'["{FRONTEND}", "http://127.0.0.1:5173"]')
    assert Settings().cors_origins == [FRONTEND, "http://127.0.0.1:5173"]


@pytest.mark.parametrize(
    "value", ["https://app.example", '["https://app.example/"]', '["*"]', '["app.example"]', "[1]"]
)
def test_bad_origins_stop_the_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TONGXIN_CORS_ORIGINS", value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "cors_origins" in str(caught.value)
