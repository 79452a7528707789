"""A test-only stateful resource that exercises the workflow engine, the generic routes and the
worker end to end, without depending on any business context. Its table lives in its own metadata,
created by the tests, so it never shows up in migrations."""

from __future__ import annotations

import uuid

from sqlalchemy import Uuid
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.api.deps import require
from services.api.unit_of_work import api_router
from services.api.workflow_routes import workflow_routes
from shared import workflow
from shared.auth import Actor, Role
from shared.automation import on_event, on_timer
from shared.db import Base, Keyed, Versioned
from shared.events import Event
from shared.schemas import Input, Resource
from shared.tenancy import get_scoped
from shared.timers import Timer
from shared.workflow import Action, Stateful, Workflow


class TestBase(DeclarativeBase):
    type_annotation_map = Base.type_annotation_map


class Gadget(Keyed, Versioned, Stateful, TestBase):
    __tablename__ = "test_gadgets"
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pings: Mapped[int] = mapped_column(default=0)


GADGET = Workflow(
    name="test_gadget",
    states=("draft", "active", "done", "halted"),
    initial="draft",
    actions=(
        Action("start", ("draft",), ("active",), event="started", roles=frozenset({Role.staff})),
        Action("finish", ("active",), ("done",), event="finished", auto=True),
        Action(
            "halt", ("draft", "active"), ("halted",), event="halted", roles=frozenset({Role.leader})
        ),
    ),
)

HANDLED: list[uuid.UUID] = []  # events the automation ran for (to prove "exactly once")


@on_event("test_gadget.started")
async def finish_started_gadget(session: AsyncSession, event: Event) -> None:
    gadget = await session.get(Gadget, uuid.UUID(event.data["id"]))
    HANDLED.append(event.id)
    if gadget is not None and gadget.state == "active":
        await workflow.transition(
            session, gadget, GADGET, "finish", Actor.system(gadget.organisation_id)
        )


@on_timer("test_gadget.ping")
async def ping(session: AsyncSession, timer: Timer) -> None:
    gadget = await session.get(Gadget, timer.subject_id)
    if timer.payload.get("fail"):
        raise RuntimeError("this timer always fails")
    if gadget is not None:
        gadget.pings += 1


class GadgetOut(Resource):
    state: str


class GadgetAction(Input):
    action: str
    comment: str | None = None


async def load(session: AsyncSession, actor: Actor, gadget_id: uuid.UUID) -> Gadget:
    return await get_scoped(session, Gadget, actor, gadget_id)


async def move(session: AsyncSession, actor: Actor, gadget: Gadget, body: GadgetAction) -> Gadget:
    moved: Gadget = await workflow.transition(
        session, gadget, GADGET, body.action, actor, comment=body.comment
    )
    return moved


router = api_router(prefix="/api/v1")
workflow_routes(
    router,
    "/test-gadgets",
    load=load,
    move=move,
    body_schema=GadgetAction,
    out_schema=GadgetOut,
    reader=require(Role.staff, Role.leader, Role.auditor, Role.member),
    mover_role=require(Role.staff, Role.leader, Role.member),
)
