"""Reports (专报), leaders' instructions (批示) and the instruction tasks of departments.

Role rules: office roles read reports and instructions; staff write them and confirm or reject
tasks; a department reads and answers only its own tasks (others are 404).
"""

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.deps import (
    Idempotent,
    Session,
    check_if_match,
    created,
    require,
    respond,
    respond_page,
)
from services.api.schemas import Cursor, Limit, PageOut
from services.api.unit_of_work import api_router
from services.api.workflow_routes import workflow_routes
from shared.auth import OFFICE_READERS, Actor, Role
from shared.consultation import queries
from shared.consultation import report_commands as commands
from shared.consultation import schemas as s
from shared.consultation.models import InstructionTask, Report

router = api_router()

OfficeReader = Annotated[Actor, Depends(require(*OFFICE_READERS, scope="read"))]
Staff = Annotated[Actor, Depends(require(Role.staff))]
TaskReader = Annotated[Actor, Depends(require(*OFFICE_READERS, Role.department, scope="read"))]


@router.get("/reports", response_model=PageOut[s.ReportOut], tags=["reports"])
async def list_reports(
    session: Session,
    actor: OfficeReader,
    state: s.ReportState | None = None,
    kind: s.ReportKind | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    page = await queries.report_page(
        session, actor, state=state, kind=kind, limit=limit, cursor=cursor
    )
    return respond_page(page, s.ReportOut)


@router.post(
    "/reports",
    status_code=201,
    response_model=s.ReportOut,
    tags=["reports"],
    dependencies=[Idempotent],
)
async def create_report(
    request: Request, session: Session, actor: Staff, body: s.ReportCreate
) -> JSONResponse:
    report = await commands.create_report(session, actor, body)
    report = await queries.get_report(session, actor, report.id)
    return await created(request, session, s.ReportOut.model_validate(report))


@router.get("/reports/{report_id}", response_model=s.ReportOut, tags=["reports"])
async def get_report(session: Session, actor: OfficeReader, report_id: uuid.UUID) -> JSONResponse:
    return respond(s.ReportOut.model_validate(await queries.get_report(session, actor, report_id)))


@router.patch("/reports/{report_id}", response_model=s.ReportOut, tags=["reports"])
async def update_report(
    request: Request, session: Session, actor: Staff, report_id: uuid.UUID, body: s.ReportUpdate
) -> JSONResponse:
    report = await queries.get_report(session, actor, report_id)
    check_if_match(request, report.version)
    await commands.update_report(session, actor, report, body)
    return respond(s.ReportOut.model_validate(await queries.get_report(session, actor, report_id)))


async def _move_report(
    session: AsyncSession, actor: Actor, report: Report, body: s.ReportMove
) -> Report:
    await commands.move_report(session, actor, report, body)
    return await queries.get_report(session, actor, report.id)


workflow_routes(
    router,
    "/reports",
    load=queries.get_report,
    move=_move_report,
    body_schema=s.ReportMove,
    out_schema=s.ReportOut,
    reader=require(*OFFICE_READERS, scope="read"),
    mover_role=require(Role.staff),
)


@router.get(
    "/reports/{report_id}/instructions",
    response_model=PageOut[s.InstructionOut],
    tags=["reports"],
)
async def list_instructions(
    session: Session,
    actor: OfficeReader,
    report_id: uuid.UUID,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    report = await queries.get_report(session, actor, report_id)
    page = await queries.instruction_page(session, actor, report.id, limit=limit, cursor=cursor)
    return respond_page(page, s.InstructionOut)


@router.post(
    "/reports/{report_id}/instructions",
    status_code=201,
    response_model=s.InstructionOut,
    tags=["reports"],
    dependencies=[Idempotent],
    summary="Record a leader's instruction: one task per named department",
)
async def record_instruction(
    request: Request,
    session: Session,
    actor: Staff,
    report_id: uuid.UUID,
    body: s.InstructionCreate,
) -> JSONResponse:
    report = await queries.get_report(session, actor, report_id)
    instruction = await commands.record_instruction(session, actor, report, body)
    return await created(request, session, s.InstructionOut.model_validate(instruction))


# --- instruction tasks -----------------------------------------------------------------------


@router.get(
    "/instruction-tasks", response_model=PageOut[s.InstructionTaskOut], tags=["instruction-tasks"]
)
async def list_tasks(
    session: Session,
    actor: TaskReader,
    report_id: uuid.UUID | None = None,
    department_id: uuid.UUID | None = None,
    state: s.InstructionTaskState | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> JSONResponse:
    filters = {"report_id": report_id, "department_id": department_id, "state": state}
    page = await queries.task_page(session, actor, filters=filters, limit=limit, cursor=cursor)
    return respond_page(page, s.InstructionTaskOut)


@router.get(
    "/instruction-tasks/{task_id}",
    response_model=s.InstructionTaskOut,
    tags=["instruction-tasks"],
)
async def get_task(session: Session, actor: TaskReader, task_id: uuid.UUID) -> JSONResponse:
    task = await queries.get_task(session, actor, task_id)
    return respond(s.InstructionTaskOut.model_validate(task))


async def _move_task(
    session: AsyncSession, actor: Actor, task: InstructionTask, body: s.InstructionTaskMove
) -> InstructionTask:
    await commands.move_task(session, actor, task, body)
    return await queries.get_task(session, actor, task.id)


workflow_routes(
    router,
    "/instruction-tasks",
    load=queries.get_task,
    move=_move_task,
    body_schema=s.InstructionTaskMove,
    out_schema=s.InstructionTaskOut,
    reader=require(*OFFICE_READERS, Role.department, scope="read"),
    mover_role=require(Role.staff, Role.department),
)
