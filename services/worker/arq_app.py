"""arq on Redis: the production worker (``tongxin worker``) and the API's doorbell to it.

arq is in maintenance-only mode (python-arq/arq#510), so its types stay inside this module:
moving to another queue touches this file only. Redis holds doorbells, never state: every job
re-reads the database, job ids are deterministic, arguments are ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from datetime import datetime
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.cron import cron
from arq.worker import Worker, func
from prometheus_client import start_http_server

from services.worker import delivery, jobs, sender
from shared import clock
from shared.config import Settings, get_settings
from shared.db import make_engine, make_sessionmaker
from shared.events import DueDelivery

log = logging.getLogger("tongxin.worker")

WAKE_TIMEOUT = 1.0  # seconds an API request may spend ringing a dead Redis
BACKOFF_AFTER_FAILURE = 5.0  # then it stops trying for this long; the sweep covers the gap


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


class ArqWaker:
    """Enqueues ``relay`` and ``timer`` jobs after a commit. Never blocks a request for long:
    with Redis down it fails fast, then stays quiet for a few seconds."""

    def __init__(self, url: str, queue_name: str, pool: ArqRedis | None = None) -> None:
        self.url = url
        self.queue_name = queue_name
        self._pool = pool
        self._quiet_until = 0.0

    async def _connection(self) -> ArqRedis:
        if self._pool is None:
            settings = RedisSettings.from_dsn(self.url)
            settings.conn_timeout = 1
            settings.conn_retries = 0
            self._pool = await create_pool(settings, default_queue_name=self.queue_name)
        return self._pool

    async def wake(self, events: list[uuid.UUID], timers: list[tuple[uuid.UUID, datetime]]) -> None:
        if time.monotonic() < self._quiet_until:
            return
        try:
            async with asyncio.timeout(WAKE_TIMEOUT):
                pool = await self._connection()
                if events:
                    await pool.enqueue_job(
                        "relay_job", _job_id=f"relay:{events[0]}", _queue_name=self.queue_name
                    )
                for timer_id, due_at in timers:
                    await pool.enqueue_job(
                        "timer_job",
                        str(timer_id),
                        _job_id=f"timer:{timer_id}",
                        _defer_until=due_at,
                        _queue_name=self.queue_name,
                    )
        except Exception:
            self._quiet_until = time.monotonic() + BACKOFF_AFTER_FAILURE
            await self.close()
            raise

    async def wake_deliveries(self, deliveries: list[DueDelivery]) -> None:
        """One ``deliver_job`` per batch of attempts falling due together, deferred to then.
        Its id names the attempt (``deliver:<delivery>:<attempt>``), or a batch's digest of
        them: arq refuses a second job with the same id, so a repeated ring rings once."""
        if time.monotonic() < self._quiet_until:
            return
        now = clock.now()
        try:
            async with asyncio.timeout(WAKE_TIMEOUT):
                pool = await self._connection()
                for due, batch in delivery_batches(deliveries, now):
                    attempts = [f"{delivery_id}:{number}" for delivery_id, number in batch]
                    name = attempts[0] if len(attempts) == 1 else _digest(attempts)
                    await pool.enqueue_job(
                        "deliver_job",
                        attempts,
                        _job_id=f"deliver:{name}",
                        _defer_until=due,
                        _queue_name=self.queue_name,
                    )
        except Exception:
            self._quiet_until = time.monotonic() + BACKOFF_AFTER_FAILURE
            await self.close()
            raise

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await pool.aclose()
            except Exception:
                log.debug("closing a broken Redis pool failed", exc_info=True)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    if "sessionmaker" not in ctx:
        ctx["engine"] = make_engine(settings.database_url)
        ctx["sessionmaker"] = make_sessionmaker(ctx["engine"])
    ctx["waker"] = ArqWaker(settings.redis_url or "", settings.queue_name, pool=ctx["redis"])
    ctx["sender"] = sender.Sender(sender.Policy.from_settings(settings))
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port)


async def shutdown(ctx: dict[str, Any]) -> None:
    if "sender" in ctx:
        await ctx["sender"].aclose()
    if "engine" in ctx:
        await ctx["engine"].dispose()


async def relay_job(ctx: dict[str, Any]) -> int:
    """Relay every waiting event to its automations."""
    return await jobs.relay(ctx["sessionmaker"], ctx["waker"])


async def timer_job(ctx: dict[str, Any], timer_id: str) -> bool:
    """Fire one timer if it is due and still pending (a repeat finds it fired and does nothing)."""
    return await jobs.fire_one(ctx["sessionmaker"], ctx["waker"], uuid.UUID(timer_id))


async def sweep_job(ctx: dict[str, Any]) -> int:
    """Due timers, waiting events and due deliveries, found in the database whatever Redis
    lost."""
    return await jobs.sweep(ctx["sessionmaker"], ctx["waker"], ctx["sender"])


async def deliver_job(ctx: dict[str, Any], attempts: list[str]) -> int:
    """Make these attempts (``<delivery>:<attempt>``) of those still due and free (a repeat,
    or a doorbell the sweep already answered, finds nothing to do)."""
    wanted = {uuid.UUID(d): int(n) for d, n in (attempt.split(":") for attempt in attempts)}
    return await delivery.deliver_batch(ctx["sessionmaker"], ctx["waker"], ctx["sender"], wanted)


def _digest(attempts: list[str]) -> str:
    return hashlib.sha256(" ".join(attempts).encode()).hexdigest()[:32]


def delivery_batches(
    deliveries: list[DueDelivery], now: datetime
) -> list[tuple[datetime | None, list[tuple[uuid.UUID, int]]]]:
    """Attempts grouped by when they fall due (None: now), in batches of ``delivery.BATCH``."""
    groups: dict[datetime | None, list[tuple[uuid.UUID, int]]] = {}
    for delivery_id, attempt, due in deliveries:
        groups.setdefault(due if due > now else None, []).append((delivery_id, attempt))
    return [
        (due, attempts[start : start + delivery.BATCH])
        for due, attempts in groups.items()
        for start in range(0, len(attempts), delivery.BATCH)
    ]


def _sweep_seconds(interval: float) -> set[int]:
    step = max(1, min(60, round(interval)))
    return set(range(0, 60, step))


def build_worker(settings: Settings, *, handle_signals: bool = True, **ctx: Any) -> Worker:
    """An arq worker with every knob set explicitly (arq ignores unknown settings silently)."""
    if not settings.redis_url:
        raise ValueError("the arq worker needs TONGXIN_REDIS_URL")
    return Worker(
        functions=[
            relay_job,
            timer_job,
            sweep_job,
            # Shorter than the lease: arq must not outlive the claim it runs under.
            func(deliver_job, timeout=settings.webhook_lease.total_seconds()),
        ],
        cron_jobs=[
            cron(
                sweep_job,
                # arq's job keys are not per queue: a cron id of its own per queue keeps two
                # deployments (or test runs) sharing a Redis database from taking each other's tick.
                name=f"cron:sweep_job:{settings.queue_name}",
                second=_sweep_seconds(settings.sweep_interval.total_seconds()),
                run_at_startup=True,
                unique=True,
                timeout=300,
            )
        ],
        redis_settings=redis_settings(settings.redis_url),
        queue_name=settings.queue_name,
        on_startup=startup,
        on_shutdown=shutdown,
        ctx={"settings": settings, **ctx},
        max_jobs=20,
        job_timeout=300,
        max_tries=5,
        keep_result=0,
        health_check_interval=30,
        handle_signals=handle_signals,
        poll_delay=0.05,
    )
