"""The annual scorecard (履职成绩单), computed by SQL aggregation across the contexts.

A thing belongs to the year of its business date in the organisation's time zone (domain.md §5):
a consultation's ``scheduled_at``, a report's ``submitted_on``, an activity's ``held_on``, a
topic's ``year``. This package is the one place that reads across contexts.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, and_, case, distinct, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from shared.consultation.models import (
    ADOPTED_STATES,
    Attendance,
    Campaign,
    Consultation,
    Instruction,
    Platform,
    Report,
    Suggestion,
    report_consultations,
)
from shared.consultation.queries import suggestion_counts
from shared.org.models import Expert, Organisation
from shared.scorecard import engagement
from shared.scorecard.common import Year, metric
from shared.scorecard.schemas import Scorecard, Section

# A consultation "took place" once held; concluding and closing it keeps it counted.
HELD_STATES = ("held", "concluded", "closed")


async def compute(session: AsyncSession, organisation: Organisation, number: int) -> Scorecard:
    year = Year.of(number, organisation.timezone)
    org = organisation.id
    sections = [
        await _consultation(session, org, year),
        await _platforms(session, org, year),
        *[
            await _campaign(session, org, campaign)
            for campaign in await _campaigns(session, org, year)
        ],
        await engagement.studio(session, org, year),
        await engagement.supervision(session, org, year),
        await engagement.party(session, org, year),
    ]
    return Scorecard(year=number, organisation=organisation.name, sections=sections)


def _held(org: uuid.UUID, year: Year | None = None) -> Select[tuple[uuid.UUID]]:
    stmt = select(Consultation.id).where(
        Consultation.organisation_id == org, Consultation.state.in_(HELD_STATES)
    )
    if year is not None:
        stmt = stmt.where(
            Consultation.scheduled_at >= year.starts, Consultation.scheduled_at < year.ends
        )
    return stmt


async def _consultation(session: AsyncSession, org: uuid.UUID, year: Year) -> Section:
    held = _held(org, year).subquery()
    district, with_leaders = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((Platform.level == "district", 1), else_=0)), 0),
                func.coalesce(
                    func.sum(case((Consultation.principal_leader_attended, 1), else_=0)), 0
                ),
            )
            .select_from(Consultation)
            .join(Platform, Platform.id == Consultation.platform_id)
            .where(Consultation.id.in_(select(held.c.id)))
        )
    ).one()
    special_reports = await session.scalar(
        select(func.count(Report.id)).where(
            Report.organisation_id == org,
            Report.kind == "special_report",
            Report.state != "draft",
            Report.submitted_on.between(year.first_day, year.last_day),
        )
    )
    experts, fields = (
        await session.execute(
            select(func.count(Expert.id), func.count(distinct(Expert.field))).where(
                Expert.organisation_id == org, Expert.active == true(), Expert.batch == 1
            )
        )
    ).one()
    counts = await suggestion_counts(session, org, select(held.c.id))
    return Section(
        key="consultation",
        title="协商议政",
        metrics=[
            metric("district_consultations", "区级协商活动", district, "次", "yu"),
            metric("special_reports", "报送政协专报", special_reports or 0, "份"),
            metric(
                "principal_leader_consultations",
                "区委区政府主要领导参加的协商活动",
                with_leaders,
                "次",
                "many",
            ),
            metric("suggestions", "提出意见建议", counts.total, "条"),
            metric("adopted_suggestions", "被吸收采纳", counts.adopted, "条"),
            metric("experts", "首批聘请专家", experts, "名"),
            metric("expert_fields", "专家领域", fields, "个领域"),
        ],
    )


async def _platforms(session: AsyncSession, org: uuid.UUID, year: Year) -> Section:
    rows = (
        await session.execute(
            select(Platform.id, Platform.name, Platform.annual_target, func.count(Consultation.id))
            .outerjoin(
                Consultation,
                and_(
                    Consultation.platform_id == Platform.id,
                    Consultation.state.in_(HELD_STATES),
                    Consultation.scheduled_at >= year.starts,
                    Consultation.scheduled_at < year.ends,
                ),
            )
            .where(Platform.organisation_id == org)
            .group_by(Platform.id, Platform.name, Platform.annual_target)
            .order_by(Platform.id)
        )
    ).all()
    return Section(
        key="platforms",
        title="“115”协商架构与协商平台",
        metrics=[
            metric("platform", name, held, "场", "at_least", target, platform_id=platform_id)
            for platform_id, name, target, held in rows
        ],
    )


async def _campaigns(session: AsyncSession, org: uuid.UUID, year: Year) -> list[Campaign]:
    rows = await session.scalars(
        select(Campaign)
        .where(
            Campaign.organisation_id == org,
            Campaign.starts_on <= year.last_day,
            Campaign.ends_on >= year.first_day,
        )
        .order_by(Campaign.id)
    )
    return list(rows)


async def _campaign(session: AsyncSession, org: uuid.UUID, campaign: Campaign) -> Section:
    """One statement: the campaign's held sessions once, every figure a subquery over them."""
    held = (
        _held(org)
        .add_columns(Consultation.public_participants)
        .where(Consultation.campaign_id == campaign.id)
        .cte("held")
    )
    ids = select(held.c.id)
    counted = and_(Suggestion.consultation_id.in_(ids), Suggestion.state != "merged")
    principal = select(Instruction.report_id).where(
        Instruction.organisation_id == org, Instruction.leader_tier == "principal"
    )
    row = (
        await session.execute(
            select(
                select(func.count()).select_from(held).scalar_subquery(),
                select(func.coalesce(func.sum(held.c.public_participants), 0)).scalar_subquery(),
                select(func.count())
                .select_from(Attendance)
                .where(Attendance.consultation_id.in_(ids), Attendance.member_id.is_not(None))
                .scalar_subquery(),
                select(func.count()).select_from(Suggestion).where(counted).scalar_subquery(),
                select(func.count())
                .select_from(Suggestion)
                .where(counted, Suggestion.state.in_(ADOPTED_STATES))
                .scalar_subquery(),
                select(func.count(distinct(report_consultations.c.report_id)))
                .where(
                    report_consultations.c.consultation_id.in_(ids),
                    report_consultations.c.report_id.in_(principal),
                )
                .scalar_subquery(),
            )
        )
    ).one()
    sessions, public, members, suggestions, adopted, instructed = (int(v or 0) for v in row)
    return Section(
        key="campaign",
        title=campaign.name,
        metrics=[
            metric("consultations", "协商议事活动", sessions, "场次"),
            metric("member_participations", "参加委员", members, "人次", "duo"),
            metric("public_participations", "参与群众", public, "人次", "yu"),
            metric("suggestions", "提出意见建议", suggestions, "条", "duo"),
            metric("adopted_suggestions", "被吸收采纳", adopted, "条"),
            metric(
                "reports_with_principal_instructions",
                "得到区党政主要领导批示的报告",
                instructed,
                "篇",
            ),
        ],
    )
