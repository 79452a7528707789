"""What the worker does for consultations, suggestions, reports and instruction tasks.

Every handler re-reads the row under its lock and acts only if the move is still due, so a
repeated event or timer changes nothing (idempotent).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.automation import on_event, on_timer
from shared.consultation import deadlines, queries
from shared.consultation.models import Consultation, InstructionTask, Report, Suggestion
from shared.consultation.report_commands import mark_task_overdue
from shared.consultation.workflows import CONSULTATION, INSTRUCTION_TASK, REPORT, SUGGESTION
from shared.db import Keyed
from shared.events import Event
from shared.timers import Timer
from shared.workflow import locked, note, transition

M = TypeVar("M", bound=Keyed)


async def _locked(session: AsyncSession, model: type[M], object_id: uuid.UUID) -> M | None:
    # Locked once: the transition that follows finds the lock held.
    row: M | None = await locked(session, select(model).where(model.id == object_id))
    return row


@on_event(
    "consultation.concluded", "suggestion.classified", "suggestion.merged", "suggestion.converted"
)
async def close_finished_consultation(session: AsyncSession, event: Event) -> None:
    """A concluded session closes once every suggestion is classified, merged or converted."""
    consultation_id = event.subject_id
    if event.subject_type == "suggestion":
        suggestion = await session.get(Suggestion, event.subject_id)
        if suggestion is None:
            return
        consultation_id = suggestion.consultation_id
    consultation = await _locked(session, Consultation, consultation_id)
    if consultation is None or consultation.state != "concluded":
        return
    if await queries.unfinished_suggestions(session, consultation.id) == 0:
        await transition(
            session,
            consultation,
            CONSULTATION,
            "close",
            Actor.system(consultation.organisation_id),
        )


@on_event("report.instruction_recorded")
async def mark_report_instructed(session: AsyncSession, event: Event) -> None:
    """The first instruction on a submitted report makes it instructed."""
    report = await _locked(session, Report, event.subject_id)
    if report is not None and report.state == "submitted":
        await transition(session, report, REPORT, "instruct", Actor.system(report.organisation_id))


@on_event("instruction_task.confirmed")
async def close_finished_report(session: AsyncSession, event: Event) -> None:
    """An instructed report closes when all its tasks are closed."""
    task = await session.get(InstructionTask, event.subject_id)
    if task is None:
        return
    report = await _locked(session, Report, task.report_id)
    if report is None or report.state != "instructed":
        return
    if await queries.open_tasks(session, report.id) == 0:
        await transition(session, report, REPORT, "close", Actor.system(report.organisation_id))


@on_timer(deadlines.RESPONSE_REMINDER)
async def remind_departments(session: AsyncSession, timer: Timer) -> None:
    suggestion = await _locked(session, Suggestion, timer.subject_id)
    if suggestion is not None and suggestion.state == "forwarded":
        await note(
            session,
            suggestion,
            SUGGESTION,
            "response_reminder",
            Actor.system(suggestion.organisation_id),
            response_due_at=_iso(suggestion.response_due_at),
        )


@on_timer(deadlines.RESPONSE_OVERDUE)
async def mark_response_overdue(session: AsyncSession, timer: Timer) -> None:
    """At the deadline a suggestion still waiting for answers is overdue (a flag, not a state)."""
    suggestion = await _locked(session, Suggestion, timer.subject_id)
    if suggestion is not None and suggestion.state == "forwarded":
        if suggestion.overdue:
            return
        suggestion.overdue = True
        await session.flush()
        await note(
            session,
            suggestion,
            SUGGESTION,
            "response_overdue",
            Actor.system(suggestion.organisation_id),
            response_due_at=_iso(suggestion.response_due_at),
            overdue=True,
        )


@on_timer(deadlines.TASK_REMINDER)
async def remind_task_department(session: AsyncSession, timer: Timer) -> None:
    task = await _locked(session, InstructionTask, timer.subject_id)
    if task is not None and task.state == "assigned":
        await note(
            session,
            task,
            INSTRUCTION_TASK,
            "reminder",
            Actor.system(task.organisation_id),
            due_at=task.due_at.isoformat(),
        )


@on_timer(deadlines.TASK_OVERDUE)
async def mark_task_overdue_at_due(session: AsyncSession, timer: Timer) -> None:
    """Overdue only while the department still owes feedback; waiting on staff is not late."""
    task = await _locked(session, InstructionTask, timer.subject_id)
    if task is not None and task.state == "assigned" and not task.overdue:
        await mark_task_overdue(session, Actor.system(task.organisation_id), task)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
