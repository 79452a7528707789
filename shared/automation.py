"""What the worker does: automations react to events, handlers fire timers.

A context marks its handlers in its ``automations.py`` with ``@on_event``, ``@on_every_event``
and ``@on_timer``. Marking registers nothing: the composition root (``services/contexts.py``)
installs each context's automations module, so the worker runs exactly the contexts listed there,
and a context that is not listed fails its registry test instead of going quiet.

Each handler runs inside the transaction that claimed its event or timer, so a crash rolls the
move back and the next worker does it again: handlers must only touch the database, and must be
idempotent (re-read the row under its lock and act only if the move is still due).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from types import ModuleType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import Event
from shared.timers import Timer

EventHandler = Callable[[AsyncSession, Event], Awaitable[None]]
TimerHandler = Callable[[AsyncSession, Timer], Awaitable[None]]

# The worker's lookup tables, filled only by ``install``.
EVENT_HANDLERS: defaultdict[str, list[EventHandler]] = defaultdict(list)
# Run for every event after its type's handlers (the webhook fan-out and the feed position).
EVENT_OBSERVERS: list[EventHandler] = []
TIMER_HANDLERS: dict[str, TimerHandler] = {}

# Where the decorators leave their marks on a handler.
_EVENTS, _EVERY_EVENT, _TIMER = "_on_events", "_on_every_event", "_on_timer"


def on_event(*types: str) -> Callable[[EventHandler], EventHandler]:
    """Mark a handler for these event types (any context's: that is how contexts talk)."""

    def mark(handler: EventHandler) -> EventHandler:
        setattr(handler, _EVENTS, (*getattr(handler, _EVENTS, ()), *types))
        return handler

    return mark


def on_every_event(handler: EventHandler) -> EventHandler:
    setattr(handler, _EVERY_EVENT, True)
    return handler


def on_timer(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    def mark(handler: TimerHandler) -> TimerHandler:
        setattr(handler, _TIMER, kind)
        return handler

    return mark


def _marked(module: ModuleType) -> Iterator[Any]:
    """The module's own marked handlers (not ones it imported from elsewhere)."""
    for value in vars(module).values():
        if getattr(value, "__module__", None) != module.__name__:
            continue
        if any(hasattr(value, mark) for mark in (_EVENTS, _EVERY_EVENT, _TIMER)):
            yield value


def event_types(module: ModuleType) -> dict[str, list[EventHandler]]:
    """Event type → the module's handlers for it."""
    found: dict[str, list[EventHandler]] = {}
    for handler in _marked(module):
        for event_type in getattr(handler, _EVENTS, ()):
            found.setdefault(event_type, []).append(handler)
    return found


def timer_kinds(module: ModuleType) -> dict[str, TimerHandler]:
    """Timer kind → the module's handler for it."""
    return {
        getattr(handler, _TIMER): handler for handler in _marked(module) if hasattr(handler, _TIMER)
    }


def install(module: ModuleType) -> None:
    """Register every handler ``module`` marks. Installing a module again changes nothing; a
    timer kind handled by two different functions is refused (only one may fire it)."""
    for event_type, handlers in event_types(module).items():
        registered = EVENT_HANDLERS[event_type]
        registered.extend(h for h in handlers if h not in registered)
    for handler in _marked(module):
        if getattr(handler, _EVERY_EVENT, False) and handler not in EVENT_OBSERVERS:
            EVENT_OBSERVERS.append(handler)
    for kind, handler in timer_kinds(module).items():
        if TIMER_HANDLERS.setdefault(kind, handler) is not handler:
            raise ValueError(f"timer kind {kind!r} has two handlers")
