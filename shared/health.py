"""Readiness checks shared by ``/readyz`` and ``tongxin check``."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def check_ready(engine: AsyncEngine, redis_url: str | None) -> dict[str, bool]:
    checks = {"database": await _database(engine)}
    if redis_url:
        checks["redis"] = await _redis(redis_url)
    return checks


async def _database(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(3), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def _redis(url: str) -> bool:
    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        async with asyncio.timeout(3):
            return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()
