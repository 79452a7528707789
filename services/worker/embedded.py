"""The embedded runner: the worker inside ``tongxin serve`` when no Redis is configured.

It calls the same jobs as arq does; only the dispatch differs: an in-process doorbell instead
of a Redis queue, and a sleep until the next due timer or the sweep interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.worker import jobs, sender
from shared import clock
from shared.config import get_settings
from shared.events import DueDelivery

log = logging.getLogger("tongxin.worker")


class EmbeddedRunner:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], sweep_interval: timedelta
    ) -> None:
        self.sessionmaker = sessionmaker
        self.sweep_interval = sweep_interval
        self._bell = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sender: sender.Sender | None = None
        self._stopping = False

    async def wake(self, events: list[uuid.UUID], timers: list[tuple[uuid.UUID, datetime]]) -> None:
        self._bell.set()

    async def wake_deliveries(self, deliveries: list[DueDelivery]) -> None:
        self._bell.set()

    async def run_once(self) -> int:
        if self._sender is None:  # one HTTP client for the runner's life
            self._sender = sender.Sender(sender.Policy.from_settings(get_settings()))
        return await jobs.sweep(self.sessionmaker, self, self._sender)

    async def _loop(self) -> None:
        while not self._stopping:
            self._bell.clear()
            try:
                await self.run_once()
                wait = await self._time_to_next_timer()
            except Exception:
                log.exception("embedded worker pass failed; retrying after the sweep interval")
                wait = self.sweep_interval.total_seconds()
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._bell.wait(), timeout=wait)

    async def _time_to_next_timer(self) -> float:
        """Until the next timer or delivery retry falls due, at most the sweep interval."""
        wait = self.sweep_interval.total_seconds()
        due = await jobs.next_due(self.sessionmaker)
        if due is not None:
            wait = min(wait, max((due - clock.now()).total_seconds(), 0.0))
        return wait

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="tongxin-embedded-worker")

    async def stop(self, grace: float = 30.0) -> None:
        """Let the pass under way finish before stopping: cancelling it inside a transaction
        could strand a SQLite connection that still holds the write lock. Only a pass that
        outlives ``grace`` seconds is cancelled."""
        if self._task is not None:
            self._stopping = True
            self._bell.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
            self._stopping = False
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None
