"""Consultation context: the changes to reports (专报), instructions (批示) and their tasks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock, events, timers
from shared.auth import Actor
from shared.consultation import schemas as s
from shared.consultation.deadlines import TASK_TIMERS
from shared.consultation.models import Consultation, Instruction, InstructionTask, Report
from shared.consultation.workflows import INSTRUCTION_TASK, REPORT
from shared.db import uuid7
from shared.errors import Conflict, Invalid, InvalidTransition
from shared.org.models import Department, Organisation
from shared.tenancy import scoped
from shared.workflow import note, transition


async def _organisation(session: AsyncSession, actor: Actor) -> Organisation:
    organisation = await session.get(Organisation, actor.organisation_id)
    assert organisation is not None  # the actor's token names a live organisation
    return organisation


async def _consultations(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> list[Consultation]:
    ids = list(dict.fromkeys(ids))
    found = list(
        (await session.scalars(scoped(Consultation, actor).where(Consultation.id.in_(ids)))).all()
    )
    if len(found) != len(ids):
        raise Invalid("consultation_ids: no such consultation.", loc=["body", "consultation_ids"])
    return found


async def create_report(session: AsyncSession, actor: Actor, body: s.ReportCreate) -> Report:
    report = Report(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        kind=body.kind,
        title=body.title,
        body=body.body,
        state=REPORT.initial,
    )
    report.consultations = await _consultations(session, actor, body.consultation_ids)
    session.add(report)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="report",
        entity_id=report.id,
        action="created",
        to_state=report.state,
        changes=body.model_dump(),
    )
    return report


async def update_report(
    session: AsyncSession, actor: Actor, report: Report, body: s.ReportUpdate
) -> Report:
    """A report is edited while a draft; once submitted it is what the leaders read."""
    if report.state != "draft":
        raise Conflict(f"A {report.state} report can no longer be edited.")
    values = body.model_dump(exclude_unset=True)
    ids = values.pop("consultation_ids", None)
    if ids is not None:
        report.consultations = await _consultations(session, actor, ids)
    for field, value in values.items():
        setattr(report, field, value)
    report.updated_at = clock.now()
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="report",
        entity_id=report.id,
        action="updated",
        changes=body.model_dump(exclude_unset=True),
    )
    return report


async def move_report(
    session: AsyncSession, actor: Actor, report: Report, move: s.ReportMove
) -> Report:
    """``submit``: the business date defaults to today in the organisation's time zone."""
    changes: dict[str, Any] = {}
    if move.action == "submit":
        organisation = await _organisation(session, actor)
        changes["submitted_on"] = move.submitted_on or clock.today(organisation.timezone)
    moved: Report = await transition(
        session, report, REPORT, move.action, actor, comment=move.comment, changes=changes
    )
    return moved


async def record_instruction(
    session: AsyncSession, actor: Actor, report: Report, body: s.InstructionCreate
) -> Instruction:
    """A leader's 批示 on a submitted report: one task per named department, each with a
    deadline counted from when the department is told (now), not from the leader's date."""
    await session.refresh(report, with_for_update=True)
    if report.state not in ("submitted", "instructed"):
        raise InvalidTransition(
            f"Instructions are recorded on submitted reports; this one is {report.state}.",
            state=report.state,
            allowed_actions=[],
        )
    ids = list(dict.fromkeys(body.department_ids))
    found = await session.scalars(scoped(Department, actor).where(Department.id.in_(ids)))
    if len(found.all()) != len(ids):
        raise Invalid("department_ids: no such department.", loc=["body", "department_ids"])
    organisation = await _organisation(session, actor)
    instruction = Instruction(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        report_id=report.id,
        leader_name=body.leader_name,
        leader_tier=body.leader_tier,
        text=body.text,
        instructed_on=body.instructed_on or clock.today(organisation.timezone),
        department_ids=[str(i) for i in ids],
    )
    session.add(instruction)
    await session.flush()
    due = clock.now() + organisation.task_window
    for department_id in ids:
        await _assign(session, actor, instruction, department_id, due, organisation)
    await note(
        session,
        report,
        REPORT,
        "instruction_recorded",
        actor,
        instruction_id=str(instruction.id),
        leader_tier=instruction.leader_tier,
        instructed_on=instruction.instructed_on.isoformat(),
    )
    return instruction


async def _assign(
    session: AsyncSession,
    actor: Actor,
    instruction: Instruction,
    department_id: uuid.UUID,
    due: datetime,
    organisation: Organisation,
) -> InstructionTask:
    task = InstructionTask(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        report_id=instruction.report_id,
        instruction_id=instruction.id,
        department_id=department_id,
        due_at=due,
        overdue=False,
        state=INSTRUCTION_TASK.initial,
    )
    session.add(task)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="instruction_task",
        entity_id=task.id,
        action="assigned",
        to_state=task.state,
        changes={"department_id": department_id, "due_at": due},
    )
    await events.emit(
        session,
        organisation_id=actor.organisation_id,
        type="instruction_task.assigned",
        subject_type="instruction_task",
        subject_id=task.id,
        state=task.state,
        report_id=str(task.report_id),
        department_id=str(department_id),
        due_at=due.isoformat(),
    )
    common: dict[str, Any] = {
        "organisation_id": task.organisation_id,
        "subject_type": "instruction_task",
        "subject_id": task.id,
    }
    if due - organisation.reminder_before > clock.now():
        timers.schedule(
            session, kind=TASK_TIMERS[0], due_at=due - organisation.reminder_before, **common
        )
    timers.schedule(session, kind=TASK_TIMERS[1], due_at=due, **common)
    return task


async def move_task(
    session: AsyncSession, actor: Actor, task: InstructionTask, move: s.InstructionTaskMove
) -> InstructionTask:
    """``feedback`` by the task's department; ``confirm`` or ``reject`` by staff."""
    changes: dict[str, Any] = {}
    if move.action == "feedback":
        changes = {"feedback": move.text, "feedback_at": clock.now()}
    moved: InstructionTask = await transition(
        session,
        task,
        INSTRUCTION_TASK,
        move.action,
        actor,
        comment=move.comment,
        changes=changes,
    )
    if moved.state == "closed":
        await timers.void(session, moved.id, TASK_TIMERS)
    elif move.action == "reject" and moved.due_at <= clock.now() and not moved.overdue:
        # The overdue timer found feedback waiting and stood down; the rejection revives it.
        await mark_task_overdue(session, actor, moved)
    return moved


async def mark_task_overdue(session: AsyncSession, actor: Actor, task: InstructionTask) -> None:
    task.overdue = True
    await session.flush()
    await note(session, task, INSTRUCTION_TASK, "overdue", actor, due_at=task.due_at.isoformat())
