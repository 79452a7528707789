"""The registry in ``services/contexts.py`` is complete: every workflow, automation, timer kind,
router and table a context defines is registered, so none can go quiet by being left out."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import shared
from services import contexts
from services.api.app import create_app
from services.api.routers import auth, meta, ops
from shared import automation
from shared.automation import EVENT_HANDLERS, EVENT_OBSERVERS, TIMER_HANDLERS
from shared.workflow import REGISTRY, Workflow
from tests.conftest import test_settings

SHARED = Path(shared.__file__).parent
ROUTERS = SHARED.parent / "services" / "api" / "routers"
CORE_ROUTERS = {id(auth.router), id(meta.router), id(ops.router)}


def _context_modules(role: str) -> list[ModuleType]:
    """Every ``shared/<context>/<role>.py`` there is."""
    return [
        importlib.import_module(f"shared.{package.name}.{role}")
        for package in pkgutil.iter_modules([str(SHARED)])
        if package.ispkg and (SHARED / package.name / f"{role}.py").exists()
    ]


def test_every_workflow_is_registered() -> None:
    defined = {
        value
        for module in _context_modules("workflows")
        for value in vars(module).values()
        if isinstance(value, Workflow)
    }
    listed = {workflow for context in contexts.CONTEXTS for workflow in context.workflows}
    assert defined and defined == listed
    assert all(REGISTRY[workflow.name] is workflow for workflow in defined)


def test_every_automation_is_registered() -> None:
    modules = _context_modules("automations")
    assert set(modules) == {c.automations for c in contexts.CONTEXTS if c.automations}
    for module in modules:
        for event_type, handlers in automation.event_types(module).items():
            assert set(handlers) <= set(EVENT_HANDLERS[event_type]), event_type
        for kind, handler in automation.timer_kinds(module).items():
            assert TIMER_HANDLERS[kind] is handler, kind
    assert EVENT_OBSERVERS, "the webhook fan-out observes every event"


def test_every_timer_kind_a_context_schedules_has_its_handler() -> None:
    for module in _context_modules("deadlines"):
        owner = next(c for c in contexts.CONTEXTS if c.timers == module.KINDS)
        assert owner.automations is not None
        assert set(module.KINDS) == set(automation.timer_kinds(owner.automations))
    scheduled = {kind for context in contexts.CONTEXTS for kind in context.timers}
    assert scheduled <= set(TIMER_HANDLERS)


def test_a_context_whose_timer_has_no_handler_does_not_install() -> None:
    supervision = next(c for c in contexts.CONTEXTS if c.name == "supervision")
    broken = contexts.Context(
        "broken",
        automations=supervision.automations,
        timers=(*supervision.timers, "supervision_case.forgotten"),
    )
    with pytest.raises(ValueError, match="forgotten"):
        contexts.install((broken,))


def test_every_router_is_served(tmp_path: Path) -> None:
    defined = [
        importlib.import_module(f"services.api.routers.{module.name}").router
        for module in pkgutil.iter_modules([str(ROUTERS)])
    ]
    listed = {id(router) for context in contexts.CONTEXTS for router in context.routers}
    assert {id(router) for router in defined} == listed | CORE_ROUTERS
    app = create_app(test_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"))
    served = set(app.openapi()["paths"])
    for router in defined:
        prefix = "" if router is ops.router else "/api/v1"
        documented = [r for r in router.routes if getattr(r, "include_in_schema", False)]
        assert {f"{prefix}{getattr(r, 'path', '')}" for r in documented} <= served


def test_every_table_is_on_the_migrations_metadata() -> None:
    models = _context_modules("models")
    assert set(models) == {c.models for c in contexts.CONTEXTS if c.models}
    tables = set(contexts.metadata().tables)
    for module in models:
        for value in vars(module).values():
            table = getattr(value, "__tablename__", None)
            if table is not None and getattr(value, "__module__", None) == module.__name__:
                assert table in tables
