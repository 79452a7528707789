"""The generic ``/transitions`` and ``/timeline`` routes every stateful collection gets (the
one mapping of audit entries to timeline entries)."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import Session, check_if_match, respond
from shared import audit
from shared.auth import Actor
from shared.enums import ActorRole


class TimelineEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: datetime
    actor: str
    actor_role: ActorRole
    action: str
    from_state: str | None = Field(alias="from", serialization_alias="from")
    to: str | None
    comment: str | None


Loader = Callable[[AsyncSession, Actor, uuid.UUID], Awaitable[Any]]
Mover = Callable[[AsyncSession, Actor, Any, Any], Awaitable[Any]]


def workflow_routes(
    router: APIRouter,
    collection: str,
    *,
    load: Loader,
    move: Mover,
    body_schema: type[BaseModel],
    out_schema: type[BaseModel],
    reader: Callable[..., Awaitable[Actor]],
    mover_role: Callable[..., Awaitable[Actor]],
) -> None:
    """Add ``POST {collection}/{id}/transitions`` and ``GET {collection}/{id}/timeline``.

    ``load`` applies the context's row rules (another department's or organisation's object is
    404); ``move`` runs the action through ``shared.workflow.transition``.
    """

    @router.post(
        f"{collection}/{{object_id}}/transitions",
        response_model=out_schema,
        summary="Take an action on the object's workflow",
    )
    async def take_action(
        request: Request,
        session: Session,
        actor: Annotated[Actor, Depends(mover_role)],
        object_id: uuid.UUID,
        body: body_schema,  # type: ignore[valid-type]
    ) -> JSONResponse:
        obj = await load(session, actor, object_id)
        check_if_match(request, obj.version)
        obj = await move(session, actor, obj, body)
        return respond(out_schema.model_validate(obj))

    timeline_route(router, collection, load=load, reader=reader)


def timeline_route(
    router: APIRouter,
    collection: str,
    *,
    load: Loader,
    reader: Callable[..., Awaitable[Actor]],
) -> None:
    """Add ``GET {collection}/{id}/timeline`` alone: for an object whose every move is the
    worker's (a supervision topic), which has no ``/transitions``."""

    @router.get(
        f"{collection}/{{object_id}}/timeline",
        response_model=list[TimelineEntry],
        summary="Every move of the object, oldest first, the worker's included",
    )
    async def timeline(
        session: Session, actor: Annotated[Actor, Depends(reader)], object_id: uuid.UUID
    ) -> list[TimelineEntry]:
        obj = await load(session, actor, object_id)
        entries = await audit.timeline(session, actor.organisation_id, obj.id)
        return [
            TimelineEntry(
                at=e.at,
                actor=e.actor_label,
                actor_role=e.actor_role,
                action=e.action,
                **{"from": e.from_state},
                to=e.to_state,
                comment=e.comment,
            )
            for e in entries
        ]
