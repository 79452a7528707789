"""Consultation context: the changes to suggestions (意见建议) and their adoption."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock, events, timers
from shared.auth import Actor, Role
from shared.consultation import schemas as s
from shared.consultation.deadlines import RESPONSE_TIMERS
from shared.consultation.models import (
    Attendance,
    Consultation,
    Report,
    Suggestion,
    SuggestionResponse,
    report_consultations,
    suggestion_departments,
)
from shared.consultation.workflows import SUGGESTION
from shared.db import uuid7
from shared.errors import Conflict, Forbidden, Invalid
from shared.org.models import Department, Expert, Member, Organisation
from shared.tenancy import ensure_reference, scoped
from shared.workflow import transition

# Staff may add suggestions collected before the session (会前征集); a concluded session's list
# is frozen.
OPEN_STATES = ("planned", "scheduled", "held")


async def _proposer(
    session: AsyncSession, actor: Actor, consultation: Consultation, body: s.SuggestionCreate
) -> dict[str, Any]:
    """Members and experts propose in their own name, on sessions they attended."""
    if actor.role is Role.staff:
        if body.proposer_kind is None:
            raise Invalid("Staff must give proposer_kind.", loc=["body", "proposer_kind"])
        if body.proposer_kind == "member" and body.proposer_member_id is None:
            raise Invalid(
                "A member's suggestion needs proposer_member_id.",
                loc=["body", "proposer_member_id"],
            )
        if body.proposer_kind == "expert" and body.proposer_expert_id is None:
            raise Invalid(
                "An expert's suggestion needs proposer_expert_id.",
                loc=["body", "proposer_expert_id"],
            )
        return {
            "proposer_kind": body.proposer_kind,
            "proposer_member_id": body.proposer_member_id,
            "proposer_expert_id": body.proposer_expert_id,
        }
    own = {
        "proposer_kind": actor.role.value,
        "proposer_member_id": actor.member_id,
        "proposer_expert_id": actor.expert_id,
    }
    given = body.model_dump(exclude_unset=True, exclude={"content"})
    if any(own.get(field) != value for field, value in given.items()):
        raise Forbidden("You may propose only in your own name.")
    column = Attendance.member_id if actor.role is Role.member else Attendance.expert_id
    attended = await session.scalar(
        select(Attendance.id).where(
            Attendance.consultation_id == consultation.id,
            column == (actor.member_id if actor.role is Role.member else actor.expert_id),
        )
    )
    if attended is None:
        raise Forbidden("Only those who attend a consultation may propose on it.")
    return own


async def create_suggestion(
    session: AsyncSession, actor: Actor, consultation: Consultation, body: s.SuggestionCreate
) -> Suggestion:
    proposer = await _proposer(session, actor, consultation, body)
    if consultation.state not in OPEN_STATES:
        raise Conflict(f"A {consultation.state} consultation takes no more suggestions.")
    if proposer["proposer_kind"] in ("member", "expert"):
        await _check_proposer(session, actor, proposer)
    suggestion = Suggestion(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        consultation_id=consultation.id,
        content=body.content,
        state=SUGGESTION.initial,
        overdue=False,
        created_by_id=actor.id,
        **proposer,
    )
    suggestion.departments = []
    suggestion.responses = []
    session.add(suggestion)
    await session.flush()
    fields = {"consultation_id": str(consultation.id), **proposer}
    await events.record_created(
        session, actor, "suggestion", suggestion, fields, state=suggestion.state
    )
    return suggestion


async def _check_proposer(session: AsyncSession, actor: Actor, proposer: dict[str, Any]) -> None:
    await ensure_reference(
        session, Member, actor, proposer["proposer_member_id"], "proposer_member_id"
    )
    await ensure_reference(
        session, Expert, actor, proposer["proposer_expert_id"], "proposer_expert_id"
    )


async def move_suggestion(
    session: AsyncSession, actor: Actor, suggestion: Suggestion, move: s.SuggestionMove
) -> Suggestion:
    """Run one action of the suggestion machine (domain.md §3.3)."""
    handlers = {
        "forward": _forward,
        "respond": _respond,
        "classify": _classify,
        "merge": _merge,
        "convert": _convert,
    }
    handler = handlers.get(move.action)
    action = SUGGESTION.action(move.action)
    if (
        handler is not None
        and action is not None
        and suggestion.state in action.sources
        and action.performable_by(actor)
    ):
        return await handler(session, actor, suggestion, move)
    moved: Suggestion = await transition(
        session, suggestion, SUGGESTION, move.action, actor, comment=move.comment
    )
    return moved


async def _forward(
    session: AsyncSession, actor: Actor, suggestion: Suggestion, move: s.SuggestionMove
) -> Suggestion:
    """Send to departments; they owe an answer within the organisation's response window."""
    ids = list(dict.fromkeys(move.department_ids or []))
    departments = list(
        (await session.scalars(scoped(Department, actor).where(Department.id.in_(ids)))).all()
    )
    if len(departments) != len(ids):
        raise Invalid("department_ids: no such department.", loc=["body", "department_ids"])
    organisation = await session.get(Organisation, actor.organisation_id)
    assert organisation is not None
    due = clock.now() + organisation.suggestion_response_window
    moved: Suggestion = await transition(
        session,
        suggestion,
        SUGGESTION,
        "forward",
        actor,
        comment=move.comment,
        changes={"response_due_at": due},
        event_fields={"department_ids": [str(i) for i in ids]},
    )
    await session.execute(
        suggestion_departments.insert(),
        [{"suggestion_id": suggestion.id, "department_id": i} for i in ids],
    )
    _schedule_response_timers(session, suggestion, due, organisation.reminder_before)
    return moved


def _schedule_response_timers(
    session: AsyncSession, suggestion: Suggestion, due: Any, reminder_before: timedelta
) -> None:
    common: dict[str, Any] = {
        "organisation_id": suggestion.organisation_id,
        "subject_type": "suggestion",
        "subject_id": suggestion.id,
    }
    if due - reminder_before > clock.now():
        timers.schedule(session, kind=RESPONSE_TIMERS[0], due_at=due - reminder_before, **common)
    timers.schedule(session, kind=RESPONSE_TIMERS[1], due_at=due, **common)


async def _respond(
    session: AsyncSession, actor: Actor, suggestion: Suggestion, move: s.SuggestionMove
) -> Suggestion:
    """A forwarded department answers once; the last answer moves the suggestion on."""
    # Loading already hid the suggestion from departments it was not forwarded to (404).
    department_id = actor.department_id
    assert department_id is not None
    answered = {r.department_id for r in suggestion.responses}
    if department_id in answered:
        raise Conflict("Your department has already answered this suggestion.")
    response = SuggestionResponse(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        suggestion_id=suggestion.id,
        department_id=department_id,
        text=move.text,
        proposed_class=move.proposed_class,
        responded_by_id=actor.id,
    )
    session.add(response)
    complete = answered | {department_id} >= set(suggestion.department_ids)
    moved: Suggestion = await transition(
        session,
        suggestion,
        SUGGESTION,
        "respond",
        actor,
        comment=move.comment,
        to="responded" if complete else "forwarded",
        event_fields={"department_id": str(department_id), "proposed_class": move.proposed_class},
    )
    if complete:
        await timers.void(session, suggestion.id, RESPONSE_TIMERS)
    return moved


async def _classify(
    session: AsyncSession, actor: Actor, suggestion: Suggestion, move: s.SuggestionMove
) -> Suggestion:
    moved: Suggestion = await transition(
        session,
        suggestion,
        SUGGESTION,
        "classify",
        actor,
        comment=move.comment,
        to=move.adoption_class,
        changes={"adoption_class": move.adoption_class},
    )
    return moved


async def _merge(
    session: AsyncSession, actor: Actor, suggestion: Suggestion, move: s.SuggestionMove
) -> Suggestion:
    """A duplicate is merged into another suggestion and counts once, as that one."""
    target = await session.scalar(scoped(Suggestion, actor).where(Suggestion.id == move.into_id))
    if target is None:
        raise Invalid("into_id: no such suggestion.", loc=["body", "into_id"])
    if target.id == suggestion.id:
        raise Invalid("A suggestion cannot be merged into itself.", loc=["body", "into_id"])
    if target.state == "merged":
        raise Invalid(
            "into_id names a merged suggestion; merge into its target instead.",
            loc=["body", "into_id"],
        )
    moved: Suggestion = await transition(
        session,
        suggestion,
        SUGGESTION,
        "merge",
        actor,
        comment=move.comment,
        changes={"merged_into_id": target.id},
    )
    return moved


async def _convert(
    session: AsyncSession, actor: Actor, suggestion: Suggestion, move: s.SuggestionMove
) -> Suggestion:
    """The suggestion becomes (part of) a report; its session joins the report's sources."""
    report = await session.scalar(scoped(Report, actor).where(Report.id == move.report_id))
    if report is None:
        raise Invalid("report_id: no such report.", loc=["body", "report_id"])
    moved: Suggestion = await transition(
        session,
        suggestion,
        SUGGESTION,
        "convert",
        actor,
        comment=move.comment,
        changes={"report_id": report.id},
    )
    await _link_source(session, report.id, suggestion.consultation_id)
    return moved


async def _link_source(
    session: AsyncSession, report_id: uuid.UUID, consultation_id: uuid.UUID
) -> None:
    linked = await session.scalar(
        select(report_consultations.c.report_id).where(
            report_consultations.c.report_id == report_id,
            report_consultations.c.consultation_id == consultation_id,
        )
    )
    if linked is None:
        await session.execute(
            report_consultations.insert().values(
                report_id=report_id, consultation_id=consultation_id
            )
        )
