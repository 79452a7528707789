"""The registry of what the worker does: automations react to events, handlers fire timers.

Contexts register here from their ``automations.py``; the worker looks handlers up by name.
Each handler runs inside the transaction that claimed its event or timer, so a crash rolls the
move back and the next worker does it again: handlers must only touch the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import Event
from shared.timers import Timer

EventHandler = Callable[[AsyncSession, Event], Awaitable[None]]
TimerHandler = Callable[[AsyncSession, Timer], Awaitable[None]]

EVENT_HANDLERS: defaultdict[str, list[EventHandler]] = defaultdict(list)
# Run for every event after its type's handlers (the webhook fan-out and the feed position).
EVENT_OBSERVERS: list[EventHandler] = []
TIMER_HANDLERS: dict[str, TimerHandler] = {}


def on_event(*types: str) -> Callable[[EventHandler], EventHandler]:
    def register(handler: EventHandler) -> EventHandler:
        for event_type in types:
            EVENT_HANDLERS[event_type].append(handler)
        return handler

    return register


def on_every_event(handler: EventHandler) -> EventHandler:
    EVENT_OBSERVERS.append(handler)
    return handler


def on_timer(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    def register(handler: TimerHandler) -> TimerHandler:
        if kind in TIMER_HANDLERS:
            raise ValueError(f"timer kind {kind!r} registered twice")
        TIMER_HANDLERS[kind] = handler
        return handler

    return register
