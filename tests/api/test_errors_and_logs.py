"""An unexpected error is a problem+json 500 with the request id, never a stack trace; every log
line is JSON and carries the request id."""

from __future__ import annotations

import io
import json
import logging

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.app import create_app
from shared.config import Settings
from shared.observability import JsonFormatter
from tests.api.test_conventions import assert_problem


def _app_with_a_bug(settings: Settings, engine: AsyncEngine) -> FastAPI:
    app = create_app(settings, engine=engine)

    @app.get("/boom")
    async def boom() -> None:
        logging.getLogger("tongxin.test").info("about to fail")
        raise RuntimeError("secret internals")

    return app


async def test_unhandled_error_is_a_clean_500(settings: Settings, engine: AsyncEngine) -> None:
    transport = httpx.ASGITransport(
        app=_app_with_a_bug(settings, engine), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "req-500"})
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "req-500"
    assert "secret internals" not in response.text


async def test_log_lines_are_json_with_the_request_id(
    settings: Settings, engine: AsyncEngine
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        transport = httpx.ASGITransport(
            app=_app_with_a_bug(settings, engine), raise_app_exceptions=False
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await client.get("/boom", headers={"X-Request-ID": "req-log"})
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line]
    ours = [line for line in lines if line["request_id"] == "req-log"]
    messages = {line["msg"] for line in ours}
    assert "about to fail" in messages
    assert "GET /boom 500" in messages
    access = next(line for line in ours if line["msg"] == "GET /boom 500")
    assert access["status"] == 500 and access["path"] == "/boom"
