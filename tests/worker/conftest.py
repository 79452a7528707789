"""Fixtures for the engine and worker tests: the test-only gadget table and an app serving it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.api.app import create_app
from shared import automation
from shared.config import Settings
from shared.db import make_sessionmaker, uuid7
from shared.events import Waker
from tests.worker import gadget
from tests.worker.gadget import Gadget, TestBase, router


@pytest.fixture(scope="session")
async def gadget_table(engine: AsyncEngine) -> None:
    """The gadget's table and its automations, installed as a context's are."""
    automation.install(gadget)
    async with engine.begin() as connection:
        await connection.run_sync(TestBase.metadata.create_all)


@pytest.fixture
def sessions(engine: AsyncEngine, gadget_table: None) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


def gadget_app(settings: Settings, engine: AsyncEngine, waker: Waker | None = None) -> FastAPI:
    app = create_app(settings, engine=engine, waker=waker)
    app.include_router(router)
    return app


async def client_for(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def gadget_client(
    settings: Settings, engine: AsyncEngine, gadget_table: None
) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(gadget_app(settings, engine)) as client:
        yield client


async def new_gadget(
    sessions: async_sessionmaker[AsyncSession], organisation_id: uuid.UUID
) -> uuid.UUID:
    async with sessions() as session:
        gadget = Gadget(id=uuid7(), organisation_id=organisation_id, state="draft")
        session.add(gadget)
        await session.commit()
        return gadget.id
