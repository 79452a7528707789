"""Supervision context: every SELECT, tenant-scoped, with the department row rule, keyset-paged."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shared.auth import Actor, Role
from shared.pagination import Page, decode_cursor, paginate
from shared.supervision.models import (
    SupervisionCase,
    SupervisionEvaluation,
    SupervisionFeedback,
    SupervisionTopic,
    case_departments,
    topic_departments,
)
from shared.tenancy import filtered, one, scoped


def _own_department(actor: Actor) -> uuid.UUID | None:
    """The department a department handler is bound to; None for everyone who reads all."""
    if actor.role is not Role.department:
        return None
    if actor.department_id is None:  # a handler without a department sees nothing
        return uuid.UUID(int=0)
    return actor.department_id


def _cases(actor: Actor, after: uuid.UUID | None = None) -> Select[tuple[SupervisionCase]]:
    stmt = scoped(SupervisionCase, actor).options(selectinload(SupervisionCase.departments))
    department_id = _own_department(actor)
    if department_id is not None:
        stmt = stmt.where(_assigned_to(department_id, after))
    return stmt


def _assigned_to(department_id: uuid.UUID, after: uuid.UUID | None = None) -> Any:
    """``after`` (a page's cursor) bounds the links too: PostgreSQL does not carry ``id > ?``
    across the join, and would read every earlier link of the department first."""
    clause = exists().where(
        case_departments.c.case_id == SupervisionCase.id,
        case_departments.c.department_id == department_id,
    )
    return clause if after is None else clause.where(case_departments.c.case_id > after)


def _topics(actor: Actor) -> Select[tuple[SupervisionTopic]]:
    stmt = scoped(SupervisionTopic, actor).options(selectinload(SupervisionTopic.departments))
    department_id = _own_department(actor)
    if department_id is not None:
        stmt = stmt.where(
            exists().where(
                topic_departments.c.topic_id == SupervisionTopic.id,
                topic_departments.c.department_id == department_id,
            )
        )
    return stmt


async def get_case(session: AsyncSession, actor: Actor, case_id: uuid.UUID) -> SupervisionCase:
    """One case the actor may see: another department's or organisation's case is not found."""
    return await one(session, _cases(actor), SupervisionCase, case_id)


async def get_topic(session: AsyncSession, actor: Actor, topic_id: uuid.UUID) -> SupervisionTopic:
    return await one(session, _topics(actor), SupervisionTopic, topic_id)


async def page_cases(
    session: AsyncSession,
    actor: Actor,
    *,
    limit: int,
    cursor: str | None,
    state: str | None = None,
    topic_id: uuid.UUID | None = None,
    department_id: uuid.UUID | None = None,
    overdue: bool | None = None,
) -> Page[SupervisionCase]:
    after = decode_cursor(cursor) if cursor else None
    equal = {"state": state, "topic_id": topic_id, "overdue": overdue}
    stmt = filtered(_cases(actor, after), SupervisionCase, equal)
    if department_id is not None:
        stmt = stmt.where(_assigned_to(department_id, after))
    return await paginate(session, stmt, SupervisionCase.id, limit=limit, cursor=cursor)


async def page_topics(
    session: AsyncSession,
    actor: Actor,
    *,
    limit: int,
    cursor: str | None,
    year: int | None = None,
    state: str | None = None,
) -> Page[SupervisionTopic]:
    stmt = filtered(_topics(actor), SupervisionTopic, {"year": year, "state": state})
    return await paginate(session, stmt, SupervisionTopic.id, limit=limit, cursor=cursor)


async def page_feedback(
    session: AsyncSession,
    actor: Actor,
    case: SupervisionCase,
    *,
    limit: int,
    cursor: str | None,
    round: int | None = None,
) -> Page[SupervisionFeedback]:
    """A case's answers; a department handler sees only its own department's."""
    equal = {"case_id": case.id, "department_id": _own_department(actor), "round": round}
    stmt = filtered(scoped(SupervisionFeedback, actor), SupervisionFeedback, equal)
    return await paginate(session, stmt, SupervisionFeedback.id, limit=limit, cursor=cursor)


async def page_evaluations(
    session: AsyncSession,
    actor: Actor,
    case: SupervisionCase,
    *,
    limit: int,
    cursor: str | None,
    round: int | None = None,
) -> Page[SupervisionEvaluation]:
    equal = {"case_id": case.id, "round": round}
    stmt = filtered(scoped(SupervisionEvaluation, actor), SupervisionEvaluation, equal)
    return await paginate(session, stmt, SupervisionEvaluation.id, limit=limit, cursor=cursor)


async def answered_departments(session: AsyncSession, case: SupervisionCase) -> set[uuid.UUID]:
    """The departments that answered the case's current round."""
    rows = await session.scalars(
        select(SupervisionFeedback.department_id).where(
            SupervisionFeedback.case_id == case.id, SupervisionFeedback.round == case.round
        )
    )
    return set(rows.all())


async def evaluation_of_round(
    session: AsyncSession, case: SupervisionCase
) -> SupervisionEvaluation | None:
    evaluation: SupervisionEvaluation | None = await session.scalar(
        select(SupervisionEvaluation).where(
            SupervisionEvaluation.case_id == case.id, SupervisionEvaluation.round == case.round
        )
    )
    return evaluation


async def unfinished_cases(session: AsyncSession, topic_id: uuid.UUID) -> int:
    """How many of a topic's cases are neither closed nor withdrawn."""
    count = await session.scalar(
        select(func.count())
        .select_from(SupervisionCase)
        .where(
            SupervisionCase.topic_id == topic_id,
            SupervisionCase.state.not_in(("closed", "withdrawn")),
        )
    )
    return count or 0


async def case_count(session: AsyncSession, topic_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(SupervisionCase)
        .where(SupervisionCase.topic_id == topic_id)
    )
    return count or 0
