"""The workflows as data, for frontends to draw their buttons from; and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from services.api.deps import CurrentActor, Session, require, respond_page
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from shared import tenancy
from shared.audit import AuditEntry
from shared.auth import Actor, Role
from shared.enums import ActorRole
from shared.errors import NotFound
from shared.workflow import REGISTRY

router = api_router()


@router.get("/meta/workflows", tags=["meta"], summary="The state machines, by name")
async def list_workflows(actor: CurrentActor) -> dict[str, Any]:
    return {"items": [wf.describe() for wf in REGISTRY.values()]}


@router.get("/meta/workflows/{name}", tags=["meta"], summary="One state machine")
async def get_workflow(name: str, actor: CurrentActor) -> dict[str, Any]:
    workflow = REGISTRY.get(name)
    if workflow is None:
        raise NotFound(f"No workflow named {name!r}; known: {', '.join(sorted(REGISTRY))}.")
    return workflow.describe()


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    actor_id: uuid.UUID | None
    actor_label: str
    actor_role: ActorRole
    entity_type: str
    entity_id: uuid.UUID
    action: str
    from_state: str | None
    to_state: str | None
    comment: str | None
    changes: dict[str, Any]
    request_id: str | None


class AuditFilters(BaseModel):
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None


@router.get(
    "/audit-entries",
    response_model=PageOut[AuditOut],
    tags=["meta"],
    summary="The audit log (auditors, leaders and admins)",
)
async def list_audit_entries(
    session: Session,
    actor: Annotated[Actor, Depends(require(Role.auditor, Role.admin, Role.leader))],
    where: Annotated[AuditFilters, Query()],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    filters = where.model_dump()
    page = await tenancy.page_rows(
        session, AuditEntry, actor, filters=filters, limit=limit, cursor=cursor
    )
    return respond_page(page, AuditOut)
