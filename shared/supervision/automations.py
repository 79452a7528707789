"""What the worker does in the supervision loop, acting as ``system``.

Each handler runs inside the transaction that claimed its event or timer, locks the case (or
topic) first, once (``shared.workflow.locked``; the ``transition`` that follows finds the lock
held), and re-checks its state, so running it twice, or after the case moved on, changes
nothing: the first run's move is what the second one finds.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shared.auth import Actor
from shared.automation import on_event, on_timer
from shared.events import Event
from shared.supervision import commands, deadlines, queries
from shared.supervision.models import SupervisionCase, SupervisionTopic
from shared.supervision.workflows import SUPERVISION_CASE, SUPERVISION_TOPIC
from shared.timers import Timer
from shared.workflow import locked, note, transition

SATISFIED = frozenset({"satisfied", "basically_satisfied"})


async def _locked_case(
    session: AsyncSession, case_id: uuid.UUID, *, with_departments: bool = True
) -> SupervisionCase | None:
    """The case under its lock (``transition`` then finds the lock held and takes no other)."""
    stmt = select(SupervisionCase).where(SupervisionCase.id == case_id)
    if with_departments:
        stmt = stmt.options(selectinload(SupervisionCase.departments))
    case: SupervisionCase | None = await locked(session, stmt)
    return case


async def _locked_topic(session: AsyncSession, topic_id: uuid.UUID) -> SupervisionTopic:
    topic: SupervisionTopic = await locked(
        session, select(SupervisionTopic).where(SupervisionTopic.id == topic_id)
    )
    return topic


# --- events ----------------------------------------------------------------------------------


@on_event("supervision_case.feedback_submitted")
async def complete_feedback(session: AsyncSession, event: Event) -> None:
    """Every responsible department answered this round → awaiting evaluation."""
    case = await _locked_case(session, event.subject_id)
    if case is None or case.state != "awaiting_feedback":
        return
    if not set(case.department_ids) <= await queries.answered_departments(session, case):
        return
    await commands.move_and_rearm(session, case, "all_answered", Actor.system(case.organisation_id))


@on_event("supervision_case.evaluated")
async def settle_evaluation(session: AsyncSession, event: Event) -> None:
    """Satisfied → closed; unsatisfied → another round, or escalated once rounds run out."""
    case = await _locked_case(session, event.subject_id)
    if case is None or case.state != "evaluated":
        return
    evaluation = await queries.evaluation_of_round(session, case)
    system = Actor.system(case.organisation_id)
    if evaluation is not None and evaluation.rating in SATISFIED:
        await commands.move_and_rearm(session, case, "close", system)
        return
    topic, _ = await commands.topic_and_organisation(session, case)
    if case.round < topic.max_rounds:
        changes = commands.next_round(case, topic)
        await commands.move_and_rearm(session, case, "rework", system, changes=changes)
    else:
        await commands.move_and_rearm(session, case, "escalate", system)


@on_event("supervision_case.started")
async def activate_topic(session: AsyncSession, event: Event) -> None:
    """A topic becomes active when its first case starts."""
    case = await session.get_one(SupervisionCase, event.subject_id)
    topic = await _locked_topic(session, case.topic_id)
    if topic.state == "planned":
        await transition(
            session, topic, SUPERVISION_TOPIC, "activate", Actor.system(topic.organisation_id)
        )


@on_event("supervision_case.closed", "supervision_case.withdrawn")
async def conclude_topic(session: AsyncSession, event: Event) -> None:
    """A topic concludes when every one of its cases is closed or withdrawn."""
    case = await session.get_one(SupervisionCase, event.subject_id)
    topic = await _locked_topic(session, case.topic_id)
    if topic.state == "active" and await queries.unfinished_cases(session, topic.id) == 0:
        await transition(
            session, topic, SUPERVISION_TOPIC, "conclude", Actor.system(topic.organisation_id)
        )


@on_event("consultation.concluded")
async def follow_up_concluded_consultation(session: AsyncSession, event: Event) -> None:
    """先协商后监督: a topic that follows up a consultation becomes active when that
    consultation concludes (the consultation context's event; this context reads only its own
    topics, found by the consultation's id the event carries)."""
    topic_ids = await session.scalars(
        select(SupervisionTopic.id).where(
            SupervisionTopic.organisation_id == event.organisation_id,
            SupervisionTopic.consultation_id == event.subject_id,
            SupervisionTopic.state == "planned",
        )
    )
    for topic_id in topic_ids.all():
        topic = await _locked_topic(session, topic_id)
        if topic.state == "planned":  # a replayed event finds it active and does nothing
            await transition(
                session, topic, SUPERVISION_TOPIC, "activate", Actor.system(topic.organisation_id)
            )


# --- timers ----------------------------------------------------------------------------------


async def _waiting_case(session: AsyncSession, timer: Timer, state: str) -> SupervisionCase | None:
    """The timer's case if it still waits in ``state`` in the timer's round; else the timer is
    stale (the case moved on) and is voided instead of fired."""
    # The ladder's notes need no departments: one query less on the sweep's hot path.
    case = await _locked_case(session, timer.subject_id, with_departments=False)
    if case is None or case.state != state or case.round != timer.payload.get("round"):
        timer.state = "voided"
        return None
    return case


@on_timer(deadlines.FEEDBACK_REMINDER)
async def remind_departments(session: AsyncSession, timer: Timer) -> None:
    case = await _waiting_case(session, timer, "awaiting_feedback")
    if case is not None:
        await note(
            session,
            case,
            SUPERVISION_CASE,
            "reminder",
            Actor.system(case.organisation_id),
            comment="反馈期限将至",
            kind="feedback",
            round=case.round,
            feedback_due_at=case.feedback_due_at,
        )


@on_timer(deadlines.OVERDUE)
async def mark_overdue(session: AsyncSession, timer: Timer) -> None:
    case = await _waiting_case(session, timer, "awaiting_feedback")
    if case is None or case.overdue:
        return
    case.overdue = True
    await session.flush()
    await note(
        session,
        case,
        SUPERVISION_CASE,
        "overdue",
        Actor.system(case.organisation_id),
        comment="反馈逾期",
        round=case.round,
        overdue=True,
    )


@on_timer(deadlines.ESCALATION)
async def raise_escalation(session: AsyncSession, timer: Timer) -> None:
    case = await _waiting_case(session, timer, "awaiting_feedback")
    level = int(timer.payload.get("level", 0))
    if case is None or level <= case.escalation_level:
        return
    case.escalation_level = level
    await session.flush()
    await note(
        session,
        case,
        SUPERVISION_CASE,
        "escalation_raised",
        Actor.system(case.organisation_id),
        comment=f"逾期督办升级至第{level}级",
        round=case.round,
        escalation_level=level,
    )


@on_timer(deadlines.EVALUATION_REMINDER)
async def remind_evaluators(session: AsyncSession, timer: Timer) -> None:
    case = await _waiting_case(session, timer, "awaiting_evaluation")
    if case is not None:
        await note(
            session,
            case,
            SUPERVISION_CASE,
            "reminder",
            Actor.system(case.organisation_id),
            comment="待评价提醒",
            kind="evaluation",
            round=case.round,
        )


@on_timer(deadlines.FOLLOW_UP)
async def open_follow_up(session: AsyncSession, timer: Timer) -> None:
    """回头看: a closed case gets a new draft case re-checking it."""
    case = await _locked_case(session, timer.subject_id)
    if case is None or case.state != "closed":
        timer.state = "voided"
        return
    system = Actor.system(case.organisation_id)
    follow_up = await commands.create_follow_up(session, system, case)
    if follow_up is not None:
        await note(
            session,
            case,
            SUPERVISION_CASE,
            "follow_up_created",
            system,
            comment="回头看",
            follow_up_id=follow_up.id,
        )
