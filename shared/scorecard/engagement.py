"""Scorecard sections beyond consultation: studios and member service, supervision, party
building."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, case, distinct, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from shared import clock
from shared.org.models import Member
from shared.party.models import JointActivity, PartyBranch, PartyPartner, ProblemSolved, ThemeTask
from shared.scorecard.common import Year, metric
from shared.scorecard.schemas import Section
from shared.studio.models import ServiceActivity, Studio, StudioMembership, StudioRating
from shared.supervision.models import SupervisionCase, SupervisionTopic

FEATURED_KINDS = ("featured_service", "sector_service_week")


async def studio(session: AsyncSession, org: uuid.UUID, year: Year) -> Section:
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


async def supervision(session: AsyncSession, org: uuid.UUID, year: Year) -> Section:
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


async def party(session: AsyncSession, org: uuid.UUID, year: Year) -> Section:
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
