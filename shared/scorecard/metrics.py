"""The annual scorecard (履职成绩单), computed by SQL aggregation across the contexts.

A thing belongs to the year of its business date in the organisation's time zone (domain.md §5):
a consultation's ``scheduled_at``, a report's ``submitted_on``, an activity's ``held_on``, a
topic's ``year``. This is the one module that reads across contexts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, distinct, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock
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
from shared.org.models import Expert, Member, Organisation
from shared.party.models import JointActivity, PartyBranch, PartyPartner, ProblemSolved, ThemeTask
from shared.scorecard.schemas import Metric, Scorecard, Section
from shared.scorecard.wording import Style, word
from shared.studio.models import ServiceActivity, Studio, StudioMembership, StudioRating
from shared.supervision.models import SupervisionCase, SupervisionTopic

# A consultation "took place" once held; concluding and closing it keeps it counted.
HELD_STATES = ("held", "concluded", "closed")
FEATURED_KINDS = ("featured_service", "sector_service_week")


@dataclass(frozen=True)
class Year:
    number: int
    starts: datetime  # UTC instants of the local year's bounds, for timestamps
    ends: datetime
    first_day: date  # and the local dates, for business-date columns
    last_day: date

    @classmethod
    def of(cls, number: int, timezone: str) -> Year:
        starts, ends = clock.year_bounds(number, timezone)
        return cls(number, starts, ends, date(number, 1, 1), date(number, 12, 31))


def metric(
    key: str,
    label: str,
    value: float,
    unit: str,
    style: Style = "exact",
    target: int | None = None,
    **extra: Any,
) -> Metric:
    return Metric(
        key=key,
        label=label,
        value=value,
        target=target,
        wording=word(value, unit, style, target),
        **extra,
    )


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
        await _studio(session, org, year),
        await _supervision(session, org, year),
        await _party(session, org, year),
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


async def _studio(session: AsyncSession, org: uuid.UUID, year: Year) -> Section:
    parlour = and_(Studio.organisation_id == org, Studio.kind == "parlour", Studio.active == true())
    newest = (
        select(
            StudioRating.stars,
            StudioRating.level,
            func.row_number()
            .over(
                partition_by=StudioRating.studio_id,
                order_by=(StudioRating.year.desc(), StudioRating.id.desc()),
            )
            .label("rank"),
        )
        .join(Studio, Studio.id == StudioRating.studio_id)
        .where(
            parlour,
            StudioRating.state == "awarded",
            or_(StudioRating.valid_until.is_(None), StudioRating.valid_until > clock.now()),
        )
        .subquery()
    )
    five_star_province, four_star = (
        await session.execute(
            select(
                func.coalesce(
                    func.sum(
                        case((and_(newest.c.stars == 5, newest.c.level == "province"), 1), else_=0)
                    ),
                    0,
                ),
                func.coalesce(func.sum(case((newest.c.stars == 4, 1), else_=0)), 0),
            ).where(newest.c.rank == 1)
        )
    ).one()
    parlours = await session.scalar(select(func.count(Studio.id)).where(parlour))
    services, reach = (
        await session.execute(
            select(
                func.count(ServiceActivity.id),
                func.coalesce(func.sum(ServiceActivity.public_reach), 0),
            ).where(
                ServiceActivity.organisation_id == org,
                ServiceActivity.kind.in_(FEATURED_KINDS),
                ServiceActivity.held_on.between(year.first_day, year.last_day),
            )
        )
    ).one()
    return Section(
        key="studio",
        title="委员工作室与联系服务群众",
        metrics=[
            metric("parlours", "委员会客厅", parlours or 0, "家"),
            metric("parlours_five_star_province", "省级五星级会客厅", five_star_province, "家"),
            metric("parlours_four_star", "四星级会客厅", four_star, "家"),
            metric("featured_services", "特色服务", services, "场"),
            metric("featured_service_reach", "辐射群众", reach, "人次", "yu"),
            metric(
                "members_stationed_ratio",
                "委员进驻工作室（驿站）",
                await _stationed_share(session, org),
                "",
                "share",
            ),
        ],
    )


async def _stationed_share(session: AsyncSession, org: uuid.UUID) -> float:
    today = clock.now().date()
    active_members = and_(Member.organisation_id == org, Member.active == true())
    stationed = select(StudioMembership.member_id).where(
        StudioMembership.organisation_id == org,
        StudioMembership.since <= today,
        or_(StudioMembership.until.is_(None), StudioMembership.until >= today),
    )
    total, placed = (
        await session.execute(
            select(
                func.count(Member.id),
                func.coalesce(func.sum(case((Member.id.in_(stationed), 1), else_=0)), 0),
            ).where(active_members)
        )
    ).one()
    return round(placed / total, 4) if total else 0.0


async def _supervision(session: AsyncSession, org: uuid.UUID, year: Year) -> Section:
    topics = select(SupervisionTopic.id).where(
        SupervisionTopic.organisation_id == org,
        SupervisionTopic.year == year.number,
        SupervisionTopic.kind == "special_collective",
    )
    topic_count = await session.scalar(select(func.count()).select_from(topics.subquery()))
    closed, overdue = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((SupervisionCase.state == "closed", 1), else_=0)), 0),
                func.coalesce(
                    func.sum(
                        case(
                            (
                                and_(
                                    SupervisionCase.overdue == true(),
                                    SupervisionCase.state.not_in(("closed", "withdrawn")),
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
            ).where(SupervisionCase.topic_id.in_(topics))
        )
    ).one()
    return Section(
        key="supervision",
        title="民主监督",
        metrics=[
            metric("special_topics", "专项集体民主监督", topic_count or 0, "项"),
            metric("cases_closed", "监督事项办结", closed, "件"),
            metric("cases_overdue", "监督事项逾期未反馈", overdue, "件"),
        ],
    )


async def _party(session: AsyncSession, org: uuid.UUID, year: Year) -> Section:
    branches = await session.scalar(
        select(func.count(PartyBranch.id)).where(
            PartyBranch.organisation_id == org, PartyBranch.active == true()
        )
    )
    partners = await session.scalar(
        select(func.count(distinct(PartyPartner.name))).where(PartyPartner.organisation_id == org)
    )
    activities, participations = (
        await session.execute(
            select(
                func.count(JointActivity.id),
                func.coalesce(func.sum(JointActivity.party_member_participations), 0),
            ).where(
                JointActivity.organisation_id == org,
                JointActivity.held_on.between(year.first_day, year.last_day),
            )
        )
    ).one()
    areas, tasks = (
        await session.execute(
            select(func.count(distinct(ThemeTask.area)), func.count(ThemeTask.id)).where(
                ThemeTask.organisation_id == org, ThemeTask.year == year.number
            )
        )
    ).one()
    solved = await session.scalar(
        select(func.count(ProblemSolved.id)).where(
            ProblemSolved.organisation_id == org,
            ProblemSolved.solved_on.between(year.first_day, year.last_day),
        )
    )
    return Section(
        key="party",
        title="党建引领",
        metrics=[
            metric("party_branches", "履职党支部", branches or 0, "个"),
            metric("partner_organisations", "友好协作党组织", partners or 0, "个"),
            metric("joint_activities", "理论联学、协商联议活动", activities, "场次", "yu"),
            metric("joint_activity_participations", "参与党员", participations, "人次", "yu"),
            metric("theme_task_areas", "主题教育任务清单方面", areas, "个方面"),
            metric("theme_tasks", "主题教育任务", tasks, "项"),
            metric("problems_solved", "助力解决问题", solved or 0, "个"),
        ],
    )
