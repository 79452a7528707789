"""A real HTTP receiver in the test process, and the pieces the webhook tests share."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from services.api.app import create_app
from services.worker import jobs
from services.worker.sender import Policy, Sender
from shared import events
from shared.auth import Actor
from shared.db import make_sessionmaker, uuid7
from shared.org import commands as org_commands
from shared.webhook.models import WebhookAttempt, WebhookDelivery
from tests.conftest import World, test_settings


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    hang: asyncio.Event | None = None


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An ASGI app served by uvicorn on 127.0.0.1: records requests, answers as scripted."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: list[Reply] = []
        self.default = Reply()
        self.port = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append(Received(scope["path"], headers, body))
        reply = self.replies.pop(0) if self.replies else self.default
        if reply.hang is not None:
            await reply.hang.wait()
        raw_headers = [(k.encode(), v.encode()) for k, v in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": reply.body})

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def verify_all(self, *secrets: str) -> list[dict[str, Any]]:
        """Every request must verify with each given secret (standardwebhooks package)."""
        payloads = []
        for request in self.requests:
            for secret in secrets:
                payloads.append(Webhook(secret).verify(request.body, request.headers))
        return payloads

    async def wait_for(self, count: int, seconds: float = 20.0) -> None:
        async with asyncio.timeout(seconds):
            while len(self.requests) < count:  # noqa: ASYNC110  (requests come from other processes)
                await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    app = Receiver()
    app.port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=app.port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers no event for this)
        await asyncio.sleep(0.01)
    yield app
    for reply in app.replies:  # let hanging handlers finish so the server can stop
        if reply.hang is not None:
            reply.hang.set()
    server.should_exit = True
    await task


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture(scope="session")
def local_app(database_url: str, engine: AsyncEngine) -> FastAPI:
    """The API as a developer runs it against local receivers (private targets allowed)."""
    return create_app(
        test_settings(database_url, webhook_allow_private_targets=True), engine=engine
    )


@pytest.fixture
async def local(local_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=local_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def policy(*, allow_private: bool = True, lease: float = 60.0, timeout: float = 15.0) -> Policy:
    return Policy(
        secret_key=test_settings("sqlite+aiosqlite://").secret,
        allow_private=allow_private,
        timeout=timeout,
        connect_timeout=5.0,
        lease=timedelta(seconds=lease),
    )


@pytest.fixture
async def sender() -> AsyncIterator[Sender]:
    active = Sender(policy())
    yield active
    await active.aclose()


async def sweep(sessionmaker: async_sessionmaker[AsyncSession], sender: Sender) -> int:
    return await jobs.sweep(sessionmaker, None, sender)


async def integrator_key(engine: AsyncEngine, world: World, *scopes: str) -> dict[str, str]:
    async with make_sessionmaker(engine)() as session:
        actor = Actor.system(world.organisation_id)
        _, key = await org_commands.create_api_key(
            session, actor, f"key-{uuid.uuid4().hex[:6]}", list(scopes)
        )
        await session.commit()
    return {"Authorization": f"Bearer {key}"}


async def subscribe(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    url: str,
    event_types: list[str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhook-subscriptions",
        json={"url": url, "event_types": event_types or ["*"], "description": "测试"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def emit(
    sessionmaker: async_sessionmaker[AsyncSession],
    organisation_id: uuid.UUID,
    type: str = "supervision_case.reported",
    **fields: Any,
) -> events.Event:
    """A committed domain event, as any context's command would leave it."""
    async with sessionmaker() as session:
        event = await events.emit(
            session,
            organisation_id=organisation_id,
            type=type,
            subject_type=type.split(".", 1)[0],
            subject_id=uuid7(),
            state="reported",
            **fields,
        )
        await session.commit()
    return event


async def deliveries_of(
    sessionmaker: async_sessionmaker[AsyncSession], subscription_id: str
) -> list[WebhookDelivery]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == uuid.UUID(subscription_id))
            .order_by(WebhookDelivery.id)
        )
        return list(rows.all())


async def attempts_of(
    sessionmaker: async_sessionmaker[AsyncSession], delivery_id: uuid.UUID
) -> list[WebhookAttempt]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.number)
        )
        return list(rows.all())
