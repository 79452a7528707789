"""The workflow engine: state machines as data, and the one function that changes a state.

Each context declares its machines in ``<context>/workflows.py``; the composition root
(``services/contexts.py``) registers them here. The API
refuses wrong moves with them, the worker makes the automatic moves with them, and
``GET /meta/workflows/{name}`` serves them so frontends can draw their buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from shared import audit, clock, events
from shared.auth import Actor, Role
from shared.errors import Forbidden, InvalidTransition


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    event: str
    roles: frozenset[Role] = frozenset()
    auto: bool = False
    label_zh: str = ""
    # When one action leads to several states, the event may differ by target
    # (a leader's decide → closed | reworked); unlisted targets use ``event``.
    target_events: tuple[tuple[str, str], ...] = ()

    def event_for(self, target: str) -> str:
        return dict(self.target_events).get(target, self.event)

    def performable_by(self, actor: Actor) -> bool:
        if self.auto:
            return actor.role is Role.system
        return actor.role in self.roles


@dataclass(frozen=True)
class Workflow:
    name: str
    states: tuple[str, ...]
    initial: str
    actions: tuple[Action, ...]
    label_zh: str = ""
    _by_name: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {action.name: action for action in self.actions}
        for action in self.actions:
            unknown = {*action.sources, *action.targets} - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}.{action.name} names unknown states {unknown}")
        object.__setattr__(self, "_by_name", by_name)

    def action(self, name: str) -> Action | None:
        return self._by_name.get(name)

    def check_role(self, action_name: str, actor: Actor) -> None:
        """403 ``forbidden`` when ``actor``'s role may never take the action, whatever the state
        (an automatic move is the worker's alone)."""
        action = self.action(action_name)
        if action is not None and not action.performable_by(actor):
            if action.auto:
                raise Forbidden(f"'{action_name}' on a {self.name} is the worker's alone.")
            raise Forbidden(
                f"'{action_name}' on a {self.name} is not open to a {actor.role.value}."
            )

    def check_state(self, action_name: str, state: str, actor: Actor) -> Action:
        """409 ``invalid_transition``, naming the state and the actions open to ``actor``, when
        the action (unknown, or one the role may take) does not start from ``state``."""
        action = self.action(action_name)
        if action is None or state not in action.sources:
            allowed = self.allowed(state, actor)
            raise InvalidTransition(
                f"'{action_name}' is not allowed on a {self.name} in state '{state}'"
                + (
                    f"; allowed: {', '.join(allowed)}."
                    if allowed
                    else "; no action is open to you."
                ),
                state=state,
                allowed_actions=allowed,
            )
        return action

    def allowed(self, state: str, actor: Actor) -> list[str]:
        return [
            a.name
            for a in self.actions
            if state in a.sources and not a.auto and a.performable_by(actor)
        ]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label_zh": self.label_zh,
            "initial": self.initial,
            "states": list(self.states),
            "actions": [
                {
                    "name": a.name,
                    "label_zh": a.label_zh,
                    "from": list(a.sources),
                    "to": list(a.targets),
                    "roles": sorted(r.value for r in a.roles),
                    "auto": a.auto,
                    "event": f"{self.name}.{a.event}",
                }
                for a in self.actions
            ],
        }


# Filled by the composition root (``services/contexts.py``), never by importing a context.
REGISTRY: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Serve ``workflow`` (``GET /meta/workflows``); registering it again changes nothing."""
    if REGISTRY.setdefault(workflow.name, workflow) is not workflow:
        raise ValueError(f"two workflows are named {workflow.name!r}")
    return workflow


class Stateful:
    """Columns of a row driven by a workflow. Only ``transition`` assigns them."""

    state: Mapped[str] = mapped_column(String(40), index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=clock.now)


async def _lock(session: AsyncSession, obj: Any) -> None:
    """Lock the row (``SELECT … FOR UPDATE``) and re-read it, once per transaction."""
    held = _held_locks(session)
    key = inspect(obj).identity_key
    if key not in held:
        await session.refresh(obj, with_for_update=True)
        held.add(key)


async def locked(session: AsyncSession, query: Select[Any]) -> Any:
    """The one row ``query`` selects (or None), locked and re-read: how a worker's handler that
    starts from an id loads its row (with the relationships it needs). The ``transition`` that
    follows in the same transaction finds the lock held and does not take it again."""
    obj = await session.scalar(query.with_for_update().execution_options(populate_existing=True))
    if obj is not None:
        _held_locks(session).add(inspect(obj).identity_key)
    return obj


def _held_locks(session: AsyncSession) -> set[Any]:
    """The rows this session's current transaction has locked (a commit or rollback starts a
    new transaction, which holds none)."""
    transaction = session.sync_session.get_transaction()
    held: tuple[Any, set[Any]] | None = session.info.get("tongxin.locks")
    if held is None or held[0] is not transaction:
        held = session.info["tongxin.locks"] = (transaction, set())
    return held[1]


async def check_move(
    session: AsyncSession, obj: Any, workflow: Workflow, action_name: str, actor: Actor
) -> Action:
    """May ``actor`` take ``action_name`` on ``obj`` now? Checks the role, locks the row (once
    per transaction), re-reads its state and checks the machine; writes nothing.

    A role that may never take the action is refused (403 ``forbidden``) whatever the state; a
    role that may take it, but not from this state, gets 409 ``invalid_transition`` naming the
    state and the actions open to it. A command that must check more under the lock before it
    writes (who has answered, the round) calls this first, checks, then ``transition``s: one
    lock, and every check before the first write."""
    workflow.check_role(action_name, actor)
    await _lock(session, obj)
    return workflow.check_state(action_name, obj.state, actor)


async def transition(
    session: AsyncSession,
    obj: Any,
    workflow: Workflow,
    action_name: str,
    actor: Actor,
    *,
    to: str | None = None,
    comment: str | None = None,
    changes: dict[str, Any] | None = None,
    event_fields: dict[str, Any] | None = None,
) -> Any:
    """Check the move (``check_move``: role, lock, state), change the state, audit it, emit
    the event.

    ``to`` picks the target when an action has several (``decide`` → closed |
    awaiting_feedback); ``changes`` are further columns set in the same move
    (``feedback_due_at`` on ``report``).
    """
    action = await check_move(session, obj, workflow, action_name, actor)
    if to is None:
        if len(action.targets) != 1:
            raise ValueError(f"{workflow.name}.{action_name} needs an explicit target")
        to = action.targets[0]
    elif to not in action.targets:
        raise ValueError(f"{workflow.name}.{action_name} cannot lead to {to}")
    from_state = obj.state
    obj.state = to
    obj.state_changed_at = clock.now()
    for key, value in (changes or {}).items():
        setattr(obj, key, value)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type=workflow.name,
        entity_id=obj.id,
        action=action_name,
        from_state=from_state,
        to_state=to,
        comment=comment,
        changes=changes,
    )
    await events.emit(
        session,
        organisation_id=obj.organisation_id,
        type=f"{workflow.name}.{action.event_for(to)}",
        subject_type=workflow.name,
        subject_id=obj.id,
        state=to,
        **{**(changes or {}), **(event_fields or {})},
    )
    return obj


async def note(
    session: AsyncSession,
    obj: Any,
    workflow: Workflow,
    event: str,
    actor: Actor,
    *,
    comment: str | None = None,
    **fields: Any,
) -> None:
    """Record a move that is not a state change (a reminder, an overdue mark) on the timeline."""
    audit.record(
        session,
        actor,
        entity_type=workflow.name,
        entity_id=obj.id,
        action=event,
        from_state=obj.state,
        to_state=obj.state,
        comment=comment,
        changes=fields,
    )
    await events.emit(
        session,
        organisation_id=obj.organisation_id,
        type=f"{workflow.name}.{event}",
        subject_type=workflow.name,
        subject_id=obj.id,
        state=obj.state,
        **fields,
    )
