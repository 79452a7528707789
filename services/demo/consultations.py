"""The year's consultations on the "115" tiers and the new platforms.

34 district sessions (10 请你来协商, 6 政企协商 from 2023-04-27 with 沈敏 attending, 12 政协商 with
the 11-02 座谈会, 6 专家协商), 103 town 民生议事堂 and 506 village 民情鄞聚站 sessions, 47 of them
in the three-month 民生议事助首善 campaign. Each is created, scheduled, signed into and held
through the consultation commands.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.demo import people
from services.demo.cast import YEAR, Cast, at, days_between, spread
from shared import crud
from shared.auth import Actor
from shared.consultation import commands
from shared.consultation import schemas as s
from shared.consultation.models import Campaign, Consultation

CAMPAIGN = "民生议事助首善"
CAMPAIGN_DAYS = (date(YEAR, 5, 10), date(YEAR, 8, 9))
CAMPAIGN_TOWN, CAMPAIGN_VILLAGE = 17, 30  # 47场次
CAMPAIGN_MEMBERS = 1352  # 1300多人次
CAMPAIGN_PUBLIC = 2154  # 2100余人次
TOWN_OTHERS, VILLAGE_OTHERS = 86, 476  # with the campaign: 103 town, 506 village sessions

# (day, title, principal leaders attended)
DISTRICT: dict[str, tuple[tuple[tuple[int, int], str, bool], ...]] = {
    "请你来协商": (
        ((3, 16), "推进数字经济“一号发展工程”", False),
        ((4, 13), "打造一流营商环境“一号改革工程”", True),
        ((5, 18), "实施“地瓜经济”提能升级“一号开放工程”", False),
        ((6, 15), "加快建设现代化滨海大都市首善之区", False),
        ((7, 13), "推进南部商务区提质扩容", False),
        ((8, 17), "深化“千万工程” 推进城乡融合发展", True),
        ((9, 14), "以亚运为契机提升城市治理水平", False),
        ((10, 19), "推进先进制造业集群培育", False),
        ((11, 16), "建设高水平教育强区", False),
        ((12, 14), "打造“一老一小”幸福民生", True),
    ),
    "政企协商": (
        ((4, 27), "请你来协商·鄞商大家说：打造一流营商环境 共促二产提质增效", True),
        ((6, 8), "请你来协商·鄞商大家说：助企纾困与稳岗扩就业", False),
        ((7, 27), "请你来协商·鄞商大家说：民营企业高质量发展", False),
        ((9, 21), "请你来协商·鄞商大家说：外贸企业拓市场抢订单", False),
        ((10, 26), "请你来协商·鄞商大家说：专精特新企业培育", False),
        ((12, 7), "请你来协商·鄞商大家说：优化涉企服务 提振发展信心", False),
    ),
    "政协商": (
        ((3, 9), "经济委：优化“四商”环境 共建首善鄞州", False),
        ((3, 30), "教文委：服务进企业，健康送职工", False),
        ((4, 20), "提案委：城区商业创意化发展和未来社区项目建设", False),
        ((5, 25), "委员工委：“委员小课堂”履职能力提升", False),
        ((6, 21), "社法委：协商监督和联心活动", False),
        ((7, 6), "港澳台侨委：港澳台青年来鄞创业就业", False),
        ((8, 24), "经济委：助力“拼经济”项目攻坚", False),
        ((9, 7), "教文委：“双减”背景下课后服务提质", False),
        ((10, 12), "提案委：重点提案督办协商", False),
        ((10, 31), "社法委：平安鄞州建设", False),
        ((11, 2), "鄞州区各民主党派、工商联负责人和无党派人士代表座谈会", False),
        ((11, 23), "委员工委：委员联系界别群众", False),
    ),
    "专家协商": (
        ((5, 11), "产业链供应链韧性提升", False),
        ((6, 29), "城市更新与未来社区规划", False),
        ((8, 10), "数字化改革赋能基层治理", False),
        ((9, 28), "生态环境导向的开发模式", False),
        ((11, 9), "普惠金融服务实体经济", False),
        ((12, 21), "农文旅融合发展路径", False),
    ),
}
LOCAL_TOPICS = (
    "小区停车难",
    "背街小巷环境整治",
    "垃圾分类提质",
    "老旧小区加装电梯",
    "农村道路养护",
    "河道保洁",
    "社区食堂运营",
    "邻里纠纷调解",
    "农房改造",
    "儿童友好空间",
)
# 民生议事助首善 topics → the department that answers them
CAMPAIGN_TOPICS: dict[str, str] = {
    "菜市场改造升级": "区商务局",
    "社区楼道、架空层改造": "区住建局",
    "社区居家养老综合服务中心功能完善": "区民政局",
    "“菜篮子”规范管理": "区市场监管局",
    "老旧小区综合改造": "区住建局",
    "社区卫生服务站点布局": "区卫健局",
    "农村人居环境提升": "区农业农村局",
}


@dataclass
class Held:
    """What the suggestion and report blocks need to know of the sessions just held."""

    district: dict[str, Consultation] = field(default_factory=dict)  # title → session
    campaign: list[tuple[Consultation, str, list[uuid.UUID]]] = field(default_factory=list)
    # (session, campaign topic, attending members)


async def plan_campaign(session: AsyncSession, cast: Cast) -> uuid.UUID:
    """The campaign is planned first; its existence marks the demo year as loaded."""
    values = {"name": CAMPAIGN, "starts_on": CAMPAIGN_DAYS[0], "ends_on": CAMPAIGN_DAYS[1]}
    return (await crud.create_row(session, cast.staff, Campaign, values)).id


async def load(session: AsyncSession, cast: Cast, campaign_id: uuid.UUID) -> Held:
    held = Held()
    await _district(session, cast, held)
    await _campaign(session, cast, campaign_id, held)
    await _local(session, cast)
    return held


async def hold(
    session: AsyncSession,
    cast: Cast,
    body: s.ConsultationCreate,
    *,
    public: int,
    members: Sequence[uuid.UUID] = (),
    experts: Sequence[uuid.UUID] = (),
    principal: bool = False,
    signing_in: Actor | None = None,
) -> Consultation:
    """Create, schedule, record who came (staff, or a member signing in), hold."""
    consultation = await commands.create_consultation(session, cast.staff, body)
    await commands.move_consultation(
        session, cast.staff, consultation, s.ConsultationMove(action="schedule")
    )
    if signing_in is not None:
        await commands.record_attendance(session, signing_in, consultation, s.AttendanceCreate())
    for member_id in members:
        attendee = s.AttendanceCreate(member_id=member_id)
        await commands.record_attendance(session, cast.staff, consultation, attendee)
    for expert_id in experts:
        attendee = s.AttendanceCreate(expert_id=expert_id)
        await commands.record_attendance(session, cast.staff, consultation, attendee)
    move = s.ConsultationMove(
        action="hold", public_participants=public, principal_leader_attended=principal
    )
    await commands.move_consultation(session, cast.staff, consultation, move)
    return consultation


async def conclude(
    session: AsyncSession, cast: Cast, consultation: Consultation, minutes: str
) -> None:
    move = s.ConsultationMove(action="conclude", minutes=minutes)
    await commands.move_consultation(session, cast.staff, consultation, move)


async def _district(session: AsyncSession, cast: Cast, held: Held) -> None:
    members = cast.member_ids()
    committees = list(cast.committees.values())
    for platform, sessions in DISTRICT.items():
        for index, ((month, day), title, principal) in enumerate(sessions):
            body = s.ConsultationCreate(
                title=title,
                topic=title.split("：")[-1],
                platform_id=cast.platforms[platform],
                committee_id=committees[index % len(committees)],
                scheduled_at=at(date(YEAR, month, day), 14, 30),
                venue="区政协协商议事厅" if platform != "政企协商" else "鄞州区企业家之家",
            )
            experts = cast.rng.sample(cast.experts, 5) if platform == "专家协商" else []
            held.district[title] = await hold(
                session,
                cast,
                body,
                public=cast.rng.randint(8, 30),
                members=cast.rng.sample(members, cast.rng.randint(10, 16)),
                experts=experts,
                principal=principal,
            )
    await _cancelled(session, cast)


async def _cancelled(session: AsyncSession, cast: Cast) -> None:
    """A session called off before it met: on the record, never counted."""
    body = s.ConsultationCreate(
        title="文旅融合发展（因故取消）",
        topic="文旅融合发展",
        platform_id=cast.platforms["请你来协商"],
        scheduled_at=at(date(YEAR, 12, 26), 14, 30),
        venue="区政协协商议事厅",
    )
    consultation = await commands.create_consultation(session, cast.staff, body)
    await commands.move_consultation(
        session, cast.staff, consultation, s.ConsultationMove(action="schedule")
    )
    move = s.ConsultationMove(action="cancel", comment="与区委全会时间冲突，并入下年度计划")
    await commands.move_consultation(session, cast.staff, consultation, move)


def _places(cast: Cast, count: int, level: str) -> list[uuid.UUID]:
    """Regions taking turns: each town, or each village of every town."""
    regions = (
        list(cast.towns.values())
        if level == "town"
        else [village for villages in cast.villages.values() for village in villages]
    )
    return [regions[index % len(regions)] for index in range(count)]


async def _campaign(session: AsyncSession, cast: Cast, campaign_id: uuid.UUID, held: Held) -> None:
    count = CAMPAIGN_TOWN + CAMPAIGN_VILLAGE
    attendances = spread(CAMPAIGN_MEMBERS, count, cast.rng)
    public = spread(CAMPAIGN_PUBLIC, count, cast.rng)
    days = days_between(*CAMPAIGN_DAYS, count)
    levels = ["town"] * CAMPAIGN_TOWN + ["village"] * CAMPAIGN_VILLAGE
    regions = _places(cast, CAMPAIGN_TOWN, "town") + _places(cast, CAMPAIGN_VILLAGE, "village")
    order = cast.rng.sample(range(count), count)  # town and village sessions interleave in time
    topics = list(CAMPAIGN_TOPICS)
    committees = [c for name, c in cast.committees.items() if name != "港澳台侨委"]
    for slot, index in enumerate(order):
        level, region = levels[index], regions[index]
        topic = topics[index % len(topics)]
        name = cast.places[region][0]
        body = s.ConsultationCreate(
            title=f"民生议事助首善·{name}：{topic}",
            topic=topic,
            platform_id=cast.platforms["民生议事堂" if level == "town" else "民情鄞聚站"],
            region_id=region,
            campaign_id=campaign_id,
            committee_id=committees[index % len(committees)],
            scheduled_at=at(days[slot], 9 if index % 2 else 14, 0),
            venue=f"{name}{'民生议事堂' if level == 'town' else '民情鄞聚站'}",
        )
        members = cast.rng.sample(cast.member_ids(), attendances[index])
        consultation = await hold(session, cast, body, public=public[index], members=members)
        held.campaign.append((consultation, topic, members))


async def _local(session: AsyncSession, cast: Cast) -> None:
    """The everyday tiers: town 民生议事堂 and village 民情鄞聚站 sessions all year, held (their
    minutes stay with the towns, so they are not concluded here)."""
    demo_member = cast.as_member(cast.members[people.DEMO_MEMBER])
    home = set(cast.villages["首南街道"])
    for level, count in (("town", TOWN_OTHERS), ("village", VILLAGE_OTHERS)):
        days = days_between(date(YEAR, 1, 6), date(YEAR, 12, 27), count)
        platform = "民生议事堂" if level == "town" else "民情鄞聚站"
        for index, region in enumerate(_places(cast, count, level)):
            topic = LOCAL_TOPICS[index % len(LOCAL_TOPICS)]
            name = cast.places[region][0]
            body = s.ConsultationCreate(
                title=f"{name}{platform}：{topic}",
                topic=topic,
                platform_id=cast.platforms[platform],
                region_id=region,
                scheduled_at=at(days[index], 19 if level == "village" else 9, 0),
                venue=f"{name}{platform}",
            )
            # 王明 signs in himself at his own community's sessions.
            signing_in = demo_member if region in home else None
            public = cast.rng.randint(12, 45)
            await hold(session, cast, body, public=public, signing_in=signing_in)
