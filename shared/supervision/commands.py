"""Supervision context: the changes people make. Plain async functions; the boundary commits.

Every state change goes through ``shared.workflow.transition`` (lock, check, audit, event). A
move that must check something under the lock before it writes (who has answered, the round)
calls ``shared.workflow.check_move`` first (role, lock, state), checks, then transitions: one
lock, every check before the first write. The moves that follow by rule are the worker's, in
``automations.py``; they use ``move_and_rearm`` and ``next_round`` below.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, column, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shared import audit, clock, events
from shared.auth import Actor
from shared.db import uuid7
from shared.errors import Conflict, Invalid
from shared.org.models import Committee, Department, Organisation
from shared.supervision import deadlines, queries
from shared.supervision import schemas as s
from shared.supervision.models import (
    SupervisionCase,
    SupervisionEvaluation,
    SupervisionFeedback,
    SupervisionTopic,
)
from shared.supervision.workflows import SUPERVISION_CASE
from shared.tenancy import ensure_reference, scoped
from shared.workflow import check_move, transition

EDITABLE_CASE_STATES = ("draft", "supervising")


async def _departments(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> list[Department]:
    found = list(
        (await session.scalars(scoped(Department, actor).where(Department.id.in_(ids)))).all()
    )
    if len(found) != len(set(ids)):
        raise Invalid("department_ids: no such department.", loc=["body", "department_ids"])
    return found


# --- topics ----------------------------------------------------------------------------------

# The consultation context's table, read only to check that a topic's consultation is the
# organisation's own: contexts do not import each other's models.
_CONSULTATIONS = table("consultations", column("id", Uuid), column("organisation_id", Uuid))


async def _check_consultation(
    session: AsyncSession, actor: Actor, consultation_id: uuid.UUID | None
) -> None:
    if consultation_id is None:
        return
    found = await session.scalar(
        select(_CONSULTATIONS.c.id).where(
            _CONSULTATIONS.c.id == consultation_id,
            _CONSULTATIONS.c.organisation_id == actor.organisation_id,
        )
    )
    if found is None:
        raise Invalid("consultation_id: no such consultation.", loc=["body", "consultation_id"])


async def create_topic(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> SupervisionTopic:
    """专项集体民主监督: a new topic, planned until its first case starts."""
    values = dict(values)
    await ensure_reference(
        session, Committee, actor, values.get("lead_committee_id"), "lead_committee_id"
    )
    await _check_consultation(session, actor, values.get("consultation_id"))
    departments = await _departments(session, actor, values.pop("department_ids"))
    topic = SupervisionTopic(
        id=uuid7(), organisation_id=actor.organisation_id, state="planned", **values
    )
    topic.departments = departments
    session.add(topic)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="supervision_topic",
        entity_id=topic.id,
        action="created",
        to_state="planned",
        changes={**values, "department_ids": [d.id for d in departments]},
    )
    return topic


async def update_topic(
    session: AsyncSession, actor: Actor, topic: SupervisionTopic, values: dict[str, Any]
) -> SupervisionTopic:
    values = dict(values)
    if "lead_committee_id" in values:
        await ensure_reference(
            session, Committee, actor, values["lead_committee_id"], "lead_committee_id"
        )
    await _check_consultation(session, actor, values.get("consultation_id"))
    department_ids = values.pop("department_ids", None)
    for field, value in values.items():
        setattr(topic, field, value)
    if department_ids is not None:
        topic.departments = await _departments(session, actor, department_ids)
    topic.updated_at = clock.now()
    await session.flush()
    changes = values if department_ids is None else {**values, "department_ids": department_ids}
    audit.record(
        session,
        actor,
        entity_type="supervision_topic",
        entity_id=topic.id,
        action="updated",
        changes=changes,
    )
    return topic


async def delete_topic(session: AsyncSession, actor: Actor, topic: SupervisionTopic) -> None:
    """Only a topic without cases may go; otherwise its cases would lose their governing rules."""
    if await queries.case_count(session, topic.id):
        raise Conflict("The topic has cases; withdraw them instead of deleting the topic.")
    await session.delete(topic)
    await session.flush()
    audit.record(
        session, actor, entity_type="supervision_topic", entity_id=topic.id, action="deleted"
    )


# --- cases -----------------------------------------------------------------------------------


async def _topic_for_case(
    session: AsyncSession, actor: Actor, topic_id: uuid.UUID
) -> SupervisionTopic:
    topic = await session.scalar(
        scoped(SupervisionTopic, actor)
        .where(SupervisionTopic.id == topic_id)
        .options(selectinload(SupervisionTopic.departments))
    )
    if topic is None:
        raise Invalid("topic_id: no such supervision topic.", loc=["body", "topic_id"])
    if topic.state == "concluded":
        raise Conflict("The topic is concluded; it takes no new cases.")
    return topic


def _check_targets(topic: SupervisionTopic, department_ids: list[uuid.UUID]) -> None:
    """A case is aimed at the topic's target departments (承办单位), never beyond them."""
    outside = set(department_ids) - set(topic.department_ids)
    if outside:
        raise Invalid(
            "department_ids: every department must be one of the topic's target departments.",
            loc=["body", "department_ids"],
        )


async def create_case(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> SupervisionCase:
    """监督事项: a new case in ``draft`` under a planned or active topic."""
    values = dict(values)
    topic = await _topic_for_case(session, actor, values["topic_id"])
    department_ids = values.pop("department_ids")
    _check_targets(topic, department_ids)
    case = SupervisionCase(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        state=SUPERVISION_CASE.initial,
        round=1,
        overdue=False,
        escalation_level=0,
        **values,
    )
    case.departments = await _departments(session, actor, department_ids)
    return await _add_case(session, actor, case)


async def _add_case(session: AsyncSession, actor: Actor, case: SupervisionCase) -> SupervisionCase:
    session.add(case)
    await session.flush()
    fields = {
        "topic_id": case.topic_id,
        "title": case.title,
        "department_ids": case.department_ids,
        "follow_up_of_id": case.follow_up_of_id,
    }
    await events.record_created(session, actor, "supervision_case", case, fields, state=case.state)
    return case


async def update_case(
    session: AsyncSession, actor: Actor, case: SupervisionCase, values: dict[str, Any]
) -> SupervisionCase:
    """Edit a case before it is reported; afterwards departments are answering what it says."""
    if case.state not in EDITABLE_CASE_STATES:
        raise Conflict(f"A case in state '{case.state}' can no longer be edited.")
    values = dict(values)
    department_ids = values.pop("department_ids", None)
    if department_ids is not None:
        topic = await _topic_for_case(session, actor, case.topic_id)
        _check_targets(topic, department_ids)
        case.departments = await _departments(session, actor, department_ids)
    for field, value in values.items():
        setattr(case, field, value)
    case.updated_at = clock.now()
    await session.flush()
    changes = values if department_ids is None else {**values, "department_ids": department_ids}
    audit.record(
        session,
        actor,
        entity_type="supervision_case",
        entity_id=case.id,
        action="updated",
        changes=changes,
    )
    return case


async def create_follow_up(
    session: AsyncSession, actor: Actor, case: SupervisionCase
) -> SupervisionCase | None:
    """回头看: a new draft case re-checking a closed one (none if it already has one)."""
    existing = await session.scalar(
        select(SupervisionCase.id).where(SupervisionCase.follow_up_of_id == case.id)
    )
    if existing is not None:
        return None
    follow_up = SupervisionCase(
        id=uuid7(),
        organisation_id=case.organisation_id,
        topic_id=case.topic_id,
        title=f"回头看：{case.title}"[:200],
        issue=case.issue,
        recommendation=case.recommendation,
        state=SUPERVISION_CASE.initial,
        round=1,
        overdue=False,
        escalation_level=0,
        follow_up_of_id=case.id,
    )
    follow_up.departments = list(case.departments)
    return await _add_case(session, actor, follow_up)


# --- the context every move needs --------------------------------------------------------------


async def topic_and_organisation(
    session: AsyncSession, case: SupervisionCase
) -> tuple[SupervisionTopic, Organisation]:
    topic = await session.get_one(SupervisionTopic, case.topic_id)
    organisation = await session.get_one(Organisation, case.organisation_id)
    return topic, organisation


def next_round(case: SupervisionCase, topic: SupervisionTopic) -> dict[str, Any]:
    """The columns of another round: a fresh deadline, and the old round's marks cleared."""
    due: datetime = clock.now() + topic.feedback_window
    return {
        "round": case.round + 1,
        "feedback_due_at": due,
        "overdue": False,
        "escalation_level": 0,
    }


async def move_and_rearm(
    session: AsyncSession,
    case: SupervisionCase,
    action: str,
    actor: Actor,
    **kwargs: Any,
) -> SupervisionCase:
    """A state change, then the timers its new state needs (the old state's are voided)."""
    await transition(session, case, SUPERVISION_CASE, action, actor, **kwargs)
    topic, organisation = await topic_and_organisation(session, case)
    await deadlines.rearm(session, case, topic, organisation)
    return case


# --- the people's moves ----------------------------------------------------------------------


async def move(
    session: AsyncSession, actor: Actor, case: SupervisionCase, body: s.AnyMove
) -> SupervisionCase:
    """Apply one action of ``POST /supervision-cases/{id}/transitions``."""
    if isinstance(body, s.Report):
        topic, _ = await topic_and_organisation(session, case)
        due = clock.now() + topic.feedback_window
        changes = {"feedback_due_at": due}
        return await move_and_rearm(
            session, case, "report", actor, comment=body.comment, changes=changes
        )
    if isinstance(body, s.Feedback):
        return await submit_feedback(session, actor, case, body)
    if isinstance(body, s.Evaluate):
        return await evaluate(session, actor, case, body)
    if isinstance(body, s.Decide):
        return await decide(session, actor, case, body)
    return await move_and_rearm(session, case, body.action, actor, comment=body.comment)


async def submit_feedback(
    session: AsyncSession, actor: Actor, case: SupervisionCase, body: s.Feedback
) -> SupervisionCase:
    """部门反馈: the handler's department answers this round, once."""
    department_id = actor.department_id
    # Under the case's lock, so two answers of one department cannot both pass the check.
    await check_move(session, case, SUPERVISION_CASE, "feedback", actor)
    if department_id is None or department_id not in case.department_ids:
        raise Conflict("Only a responsible department answers this case.")
    if department_id in await queries.answered_departments(session, case):
        raise Conflict(f"Your department has already answered round {case.round}.")
    fields = {"round": case.round, "department_id": department_id, "completion": body.completion}
    await transition(
        session,
        case,
        SUPERVISION_CASE,
        "feedback",
        actor,
        comment=body.comment,
        event_fields=fields,
    )
    session.add(
        SupervisionFeedback(
            id=uuid7(),
            organisation_id=case.organisation_id,
            case_id=case.id,
            round=case.round,
            department_id=department_id,
            text=body.text,
            measures=body.measures,
            completion=body.completion,
            submitted_by_id=actor.id,
        )
    )
    await session.flush()
    return case


async def evaluate(
    session: AsyncSession, actor: Actor, case: SupervisionCase, body: s.Evaluate
) -> SupervisionCase:
    """政协评价: rate this round's answers; the worker draws the consequence."""
    fields = {"round": case.round, "rating": body.rating}
    await move_and_rearm(
        session, case, "evaluate", actor, comment=body.comment, event_fields=fields
    )
    session.add(
        SupervisionEvaluation(
            id=uuid7(),
            organisation_id=case.organisation_id,
            case_id=case.id,
            round=case.round,
            rating=body.rating,
            comment=body.comment,
            evaluated_by_id=actor.id,
        )
    )
    await session.flush()
    return case


async def decide(
    session: AsyncSession, actor: Actor, case: SupervisionCase, body: s.Decide
) -> SupervisionCase:
    """A leader settles an escalated case: close it, or send it back for another round."""
    if body.outcome == "close":
        return await move_and_rearm(
            session, case, "decide", actor, to="closed", comment=body.comment
        )
    # The next round is computed from the case as it stands under the lock the move keeps.
    await check_move(session, case, SUPERVISION_CASE, "decide", actor)
    topic, _ = await topic_and_organisation(session, case)
    return await move_and_rearm(
        session,
        case,
        "decide",
        actor,
        to="awaiting_feedback",
        comment=body.comment,
        changes=next_round(case, topic),
    )
