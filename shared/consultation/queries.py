"""Consultation context: its SELECTs, tenant-scoped and keyset-paginated, with the row rules
(a department sees only what was forwarded or assigned to it; a member or expert only their own
suggestions). Platforms, plans and campaigns are plain rows: ``shared.tenancy`` reads them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from shared import clock
from shared.auth import Actor, Role
from shared.consultation.models import (
    ADOPTED_STATES,
    FINAL_SUGGESTION_STATES,
    Attendance,
    CalendarToken,
    Consultation,
    Instruction,
    InstructionTask,
    Platform,
    Report,
    Suggestion,
    suggestion_departments,
)
from shared.org.models import Organisation, User
from shared.pagination import Page, decode_cursor, paginate
from shared.tenancy import filtered, one, scoped


async def timezone(session: AsyncSession, actor: Actor) -> str:
    zone = await session.scalar(
        select(Organisation.timezone).where(Organisation.id == actor.organisation_id)
    )
    return zone or "Asia/Shanghai"


# --- consultations ---------------------------------------------------------------------------


@dataclass
class ConsultationFilters:
    state: str | None = None
    platform_id: uuid.UUID | None = None
    level: str | None = None
    campaign_id: uuid.UUID | None = None
    year: int | None = None
    q: str | None = None


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _consultations() -> Any:
    return joinedload(Consultation.platform, innerjoin=True)


async def get_consultation(
    session: AsyncSession, actor: Actor, consultation_id: uuid.UUID
) -> Consultation:
    stmt = (
        scoped(Consultation, actor)
        .options(_consultations())
        .execution_options(populate_existing=True)
    )
    return await one(session, stmt, Consultation, consultation_id)


async def consultation_page(
    session: AsyncSession,
    actor: Actor,
    filters: ConsultationFilters,
    *,
    limit: int,
    cursor: str | None,
) -> Page[Consultation]:
    """Sessions filtered by state, platform, level, campaign, business year and text.

    ``q`` is a substring match on title and topic (Chinese has no word breaks, so no stemming
    search fits); PostgreSQL answers it from trigram indexes when ``q`` has three characters or
    more, and from the keyset walk otherwise.
    """
    equal = {c: getattr(filters, c) for c in ("state", "platform_id", "campaign_id")}
    stmt = filtered(scoped(Consultation, actor).options(_consultations()), Consultation, equal)
    if filters.level is not None:
        stmt = stmt.where(
            Consultation.platform_id.in_(
                scoped(Platform, actor)
                .where(Platform.level == filters.level)
                .with_only_columns(Platform.id)
            )
        )
    if filters.year is not None:
        start, end = clock.year_bounds(filters.year, await timezone(session, actor))
        stmt = stmt.where(Consultation.scheduled_at >= start, Consultation.scheduled_at < end)
    if filters.q:
        pattern = _like(filters.q)
        stmt = stmt.where(
            or_(
                Consultation.title.ilike(pattern, escape="\\"),
                Consultation.topic.ilike(pattern, escape="\\"),
            )
        )
    return await paginate(session, stmt, Consultation.id, limit=limit, cursor=cursor)


async def attendance_page(
    session: AsyncSession,
    actor: Actor,
    consultation_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[Attendance]:
    stmt = scoped(Attendance, actor).where(Attendance.consultation_id == consultation_id)
    return await paginate(session, stmt, Attendance.id, limit=limit, cursor=cursor)


CALENDAR_LOOKBACK = timedelta(days=366)
CALENDAR_MAX = 2000


async def calendar_sessions(session: AsyncSession, actor: Actor) -> list[Consultation]:
    """Scheduled and held sessions of the last year and the future, soonest first."""
    stmt = (
        scoped(Consultation, actor)
        .where(
            Consultation.state.in_(("scheduled", "held")),
            Consultation.scheduled_at >= clock.now() - CALENDAR_LOOKBACK,
        )
        .order_by(Consultation.scheduled_at, Consultation.id)
        .limit(CALENDAR_MAX)
    )
    return list((await session.scalars(stmt)).all())


async def calendar_user(session: AsyncSession, token: str) -> User | None:
    """The active user a calendar token belongs to."""
    user: User | None = await session.scalar(
        select(User)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token == token, User.active.is_(True))
    )
    return user


# --- suggestions -----------------------------------------------------------------------------


def _visible_suggestions(actor: Actor, after: uuid.UUID | None = None) -> Select[tuple[Suggestion]]:
    stmt = scoped(Suggestion, actor).options(
        selectinload(Suggestion.departments), selectinload(Suggestion.responses)
    )
    if actor.role is Role.department:
        stmt = stmt.where(_forwarded_to(actor.department_id, after))
    elif actor.role is Role.member:
        stmt = stmt.where(Suggestion.proposer_member_id == actor.member_id)
    elif actor.role is Role.expert:
        stmt = stmt.where(Suggestion.proposer_expert_id == actor.expert_id)
    return stmt


def _forwarded_to(department_id: uuid.UUID | None, after: uuid.UUID | None = None) -> Any:
    """``after`` (a page's cursor) bounds the links too: PostgreSQL does not carry ``id > ?``
    across the join, and would read every earlier link of the department first."""
    clause = exists().where(
        suggestion_departments.c.suggestion_id == Suggestion.id,
        suggestion_departments.c.department_id == department_id,
    )
    return clause if after is None else clause.where(suggestion_departments.c.suggestion_id > after)


async def get_suggestion(
    session: AsyncSession, actor: Actor, suggestion_id: uuid.UUID
) -> Suggestion:
    stmt = _visible_suggestions(actor).execution_options(populate_existing=True)
    return await one(session, stmt, Suggestion, suggestion_id)


async def suggestion_page(
    session: AsyncSession,
    actor: Actor,
    *,
    state: str | None,
    department_id: uuid.UUID | None,
    consultation_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[Suggestion]:
    after = decode_cursor(cursor) if cursor else None
    equal = {"state": state, "consultation_id": consultation_id}
    stmt = filtered(_visible_suggestions(actor, after), Suggestion, equal)
    if department_id is not None:
        stmt = stmt.where(_forwarded_to(department_id, after))
    return await paginate(session, stmt, Suggestion.id, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class SuggestionCounts:
    """Suggestions of some sessions: merged duplicates excluded, so each counts once (as its
    target); ``adopted`` is the 被吸收采纳 set of domain.md §3.3."""

    total: int
    adopted: int


async def suggestion_counts(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    consultation_ids: Sequence[uuid.UUID] | Select[Any],
) -> SuggestionCounts:
    """Counts for a list of consultation ids or a SELECT of them (the scorecard passes one)."""
    # count(*), not count(id): the (consultation_id, state) index alone answers it.
    adopted = func.sum(case((Suggestion.state.in_(ADOPTED_STATES), 1), else_=0))
    row = (
        await session.execute(
            select(func.count(), adopted)
            .select_from(Suggestion)
            .where(
                Suggestion.organisation_id == organisation_id,
                Suggestion.consultation_id.in_(consultation_ids),
                Suggestion.state != "merged",
            )
        )
    ).one()
    return SuggestionCounts(total=int(row[0] or 0), adopted=int(row[1] or 0))


async def count_adopted_suggestions(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    consultation_ids: Sequence[uuid.UUID] | Select[Any],
) -> int:
    return (await suggestion_counts(session, organisation_id, consultation_ids)).adopted


async def unfinished_suggestions(session: AsyncSession, consultation_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count(Suggestion.id)).where(
            Suggestion.consultation_id == consultation_id,
            Suggestion.state.not_in(FINAL_SUGGESTION_STATES),
        )
    )
    return int(count or 0)


# --- reports and tasks -----------------------------------------------------------------------


async def get_report(session: AsyncSession, actor: Actor, report_id: uuid.UUID) -> Report:
    stmt = (
        scoped(Report, actor)
        .options(selectinload(Report.consultations))
        .execution_options(populate_existing=True)
    )
    return await one(session, stmt, Report, report_id)


async def report_page(
    session: AsyncSession,
    actor: Actor,
    *,
    state: str | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
) -> Page[Report]:
    stmt = scoped(Report, actor).options(selectinload(Report.consultations))
    stmt = filtered(stmt, Report, {"state": state, "kind": kind})
    return await paginate(session, stmt, Report.id, limit=limit, cursor=cursor)


async def instruction_page(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Instruction]:
    stmt = scoped(Instruction, actor).where(Instruction.report_id == report_id)
    return await paginate(session, stmt, Instruction.id, limit=limit, cursor=cursor)


def _visible_tasks(actor: Actor) -> Select[tuple[InstructionTask]]:
    stmt = scoped(InstructionTask, actor)
    if actor.role is Role.department:
        stmt = stmt.where(InstructionTask.department_id == actor.department_id)
    return stmt


async def get_task(session: AsyncSession, actor: Actor, task_id: uuid.UUID) -> InstructionTask:
    stmt = _visible_tasks(actor).execution_options(populate_existing=True)
    return await one(session, stmt, InstructionTask, task_id)


async def task_page(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> Page[InstructionTask]:
    stmt = filtered(_visible_tasks(actor), InstructionTask, filters)
    return await paginate(session, stmt, InstructionTask.id, limit=limit, cursor=cursor)


async def open_tasks(session: AsyncSession, report_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count(InstructionTask.id)).where(
            and_(InstructionTask.report_id == report_id, InstructionTask.state != "closed")
        )
    )
    return int(count or 0)
