"""The business contexts Tongxin runs: the one list the app, the worker, the command line,
Alembic and the tests start from.

Nothing in a context registers itself when imported. Each entry below names what its context
brings: its tables, its state machines, its automations (with the timer kinds they fire), its
routers and what it adds to every new organisation; ``install()`` registers them. A context left
out of this list has no routes, no automations and no tables in the migrations, and
``tests/test_contexts.py`` says which.

Adding a context: one ``Context(...)`` entry here (README, "the recipe every context follows").
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from fastapi import APIRouter
from sqlalchemy import MetaData

from services.api.routers import (
    cards,
    consultation,
    events,
    org,
    party,
    proposal,
    report,
    scorecard,
    studio,
    suggestion,
    supervision,
    webhooks,
)
from shared import audit, automation, idempotency, timers
from shared import events as outbox
from shared.consultation import automations as consultation_automations
from shared.consultation import commands as consultation_commands
from shared.consultation import deadlines as consultation_deadlines
from shared.consultation import models as consultation_models
from shared.consultation import workflows as consultation_workflows
from shared.db import Base
from shared.org import models as org_models
from shared.org.commands import OrganisationSetup, add_organisation_setup
from shared.party import models as party_models
from shared.proposal import automations as proposal_automations
from shared.proposal import deadlines as proposal_deadlines
from shared.proposal import models as proposal_models
from shared.proposal import workflows as proposal_workflows
from shared.studio import automations as studio_automations
from shared.studio import deadlines as studio_deadlines
from shared.studio import models as studio_models
from shared.studio import workflows as studio_workflows
from shared.supervision import automations as supervision_automations
from shared.supervision import deadlines as supervision_deadlines
from shared.supervision import models as supervision_models
from shared.supervision import workflows as supervision_workflows
from shared.webhook import automations as webhook_automations
from shared.webhook import models as webhook_models
from shared.workflow import Workflow, register


@dataclass(frozen=True)
class Context:
    name: str
    models: ModuleType | None = None
    workflows: tuple[Workflow, ...] = ()
    # Its ``@on_event`` / ``@on_timer`` handlers, and every timer kind they fire (which must be
    # exactly the kinds its ``deadlines.py`` schedules: a kind without a handler never fires).
    automations: ModuleType | None = None
    timers: tuple[str, ...] = ()
    routers: tuple[APIRouter, ...] = ()
    organisation_setup: tuple[OrganisationSetup, ...] = ()


CONTEXTS = (
    Context("org", models=org_models, routers=(org.router,)),
    Context("party", models=party_models, routers=(party.router,)),
    Context(
        "supervision",
        models=supervision_models,
        workflows=(supervision_workflows.SUPERVISION_CASE, supervision_workflows.SUPERVISION_TOPIC),
        automations=supervision_automations,
        timers=supervision_deadlines.KINDS,
        routers=(supervision.router,),
    ),
    Context(
        "studio",
        models=studio_models,
        workflows=(studio_workflows.STUDIO_RATING, studio_workflows.CONTACT_REQUEST),
        automations=studio_automations,
        timers=studio_deadlines.KINDS,
        routers=(studio.router, cards.router),
    ),
    Context(
        "consultation",
        models=consultation_models,
        workflows=(
            consultation_workflows.CONSULTATION,
            consultation_workflows.SUGGESTION,
            consultation_workflows.REPORT,
            consultation_workflows.INSTRUCTION_TASK,
        ),
        automations=consultation_automations,
        timers=consultation_deadlines.KINDS,
        routers=(consultation.router, suggestion.router, report.router),
        organisation_setup=(consultation_commands.create_default_platforms,),
    ),
    Context(
        "webhook",
        models=webhook_models,
        automations=webhook_automations,
        routers=(events.router, webhooks.router),
    ),
    Context(
        "proposal",
        models=proposal_models,
        workflows=(proposal_workflows.PROPOSAL, proposal_workflows.PROPOSAL_ASSIGNMENT),
        automations=proposal_automations,
        timers=proposal_deadlines.KINDS,
        routers=(proposal.router,),
    ),
    # A read model: it reads the other contexts' tables and owns none.
    Context("scorecard", routers=(scorecard.router,)),
)

# The generic core's own tables (the outbox, timers, audit log, idempotency records).
CORE_MODELS = (outbox, timers, audit, idempotency)


def install(contexts: tuple[Context, ...] = CONTEXTS) -> None:
    """Register every context's workflows, automations and organisation defaults. Idempotent:
    the app factory, the worker and the tests may each call it."""
    for context in contexts:
        for workflow in context.workflows:
            register(workflow)
        handled: set[str] = set()
        if context.automations is not None:
            automation.install(context.automations)
            handled = set(automation.timer_kinds(context.automations))
        if handled != set(context.timers):
            raise ValueError(
                f"context {context.name!r}: timer kinds scheduled {sorted(context.timers)} "
                f"but handled {sorted(handled)}"
            )
        for setup in context.organisation_setup:
            add_organisation_setup(setup)


def routers() -> list[APIRouter]:
    return [router for context in CONTEXTS for router in context.routers]


def metadata() -> MetaData:
    """Every table of the core and of the listed contexts (their models are imported above)."""
    return Base.metadata
