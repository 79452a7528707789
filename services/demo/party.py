"""Party building in 2023: one 履职党支部 per committee, 22 partner party organisations, 74 joint
activities (1500余 party-member participations), the theme education's 5 areas and 30 tasks,
and the 37 problems it helped solve."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.demo.cast import YEAR, Cast, days_between, spread
from shared.crud import create_row
from shared.party import commands
from shared.party.models import JointActivity, PartyBranch, PartyPartner, ProblemSolved, ThemeTask

# committee → the partner party organisations of its branch (22 in all, each named once)
PARTNERS: dict[str, tuple[tuple[str, str], ...]] = {
    "经济委": (
        ("鄞州区工商联机关党支部", "经济"),
        ("宁波银行鄞州支行党支部", "金融"),
        ("鄞州区发改局机关党支部", "经济"),
        ("宁波南部商务区党委", "经济"),
    ),
    "教文委": (
        ("浙江万里学院商学院党委", "高校"),
        ("宁波工程学院机关党委", "高校"),
        ("鄞州区教育局机关党委", "教育"),
        ("鄞州区第二医院党委", "卫生"),
    ),
    "提案委": (
        ("鄞州区人民检察院第四检察部党支部", "法律"),
        ("鄞州区住建局机关党支部", "城建"),
        ("中河街道宋诏桥社区党委", "社区"),
    ),
    "委员工委": (
        ("宁波大学科学技术学院党委", "高校"),
        ("首南街道学府社区党委", "社区"),
        ("鄞州区文联党支部", "文化"),
        ("姜山镇走马塘村党委", "村社"),
    ),
    "社法委": (
        ("鄞州区人民法院机关党委", "法律"),
        ("浙江和义观达律师事务所党支部", "法律"),
        ("鄞州区司法局机关党支部", "法律"),
        ("钟公庙街道金家漕社区党委", "社区"),
    ),
    "港澳台侨委": (
        ("鄞州区台办机关党支部", "统战"),
        ("宁波诺丁汉大学党委", "高校"),
        ("鄞州区侨联党支部", "统战"),
    ),
}
ACTIVITIES = 74  # 70余场次
PARTICIPATIONS = 1552  # 1500余人次

# 主题教育: 5 areas, 30 tasks
AREAS: dict[str, int] = {"理论学习": 7, "调查研究": 6, "推动发展": 7, "检视整改": 5, "建章立制": 5}
PROBLEMS = 37
PROBLEM_TITLES = (
    "菜市场改造升级",
    "社区楼道、架空层改造",
    "社区居家养老综合服务中心功能完善",
    "老旧小区停车难",
    "背街小巷路面破损",
    "农村生活污水治理",
    "企业用工难对接",
    "小微企业融资难",
)


async def load(session: AsyncSession, cast: Cast) -> None:
    branches = []
    for committee, partners in PARTNERS.items():
        values: dict[str, Any] = {
            "name": f"{committee}履职党支部",
            "committee_id": cast.committees[committee],
        }
        branch = await create_row(
            session, cast.staff, PartyBranch, values, commands.BRANCH_REFERENCES
        )
        branches.append(branch.id)
        for name, field in partners:
            values = {
                "branch_id": branch.id,
                "name": name,
                "field": field,
                "since": date(YEAR, 3, 1),
            }
            await create_row(session, cast.staff, PartyPartner, values, commands.PARTNER_REFERENCES)
    await _activities(session, cast, branches)
    await _theme_education(session, cast)


async def _activities(session: AsyncSession, cast: Cast, branches: list[Any]) -> None:
    """理论联学 and 协商联议 with the partners; the first is the leading group's 7·18 event."""
    counts = spread(PARTICIPATIONS, ACTIVITIES, cast.rng)
    days = days_between(date(YEAR, 2, 10), date(YEAR, 12, 20), ACTIVITIES - 1)
    activities: list[dict[str, Any]] = [
        {
            "branch_id": None,  # 区政协党组 with universities and villages, not one branch
            "kind": "study",
            "title": "“八八战略”再深化“同心·鄞聚”助共富",
            "held_on": date(YEAR, 7, 18),
        }
    ]
    for index, day in enumerate(days):
        kind = "study" if index % 2 == 0 else "consultation"
        activities.append(
            {
                "branch_id": branches[index % len(branches)],
                "kind": kind,
                "title": "理论联学：学习贯彻新思想"
                if kind == "study"
                else "协商联议：共商民生实事",
                "held_on": day,
            }
        )
    for values, count in zip(activities, counts, strict=True):
        values["party_member_participations"] = count
        await create_row(session, cast.staff, JointActivity, values, commands.ACTIVITY_REFERENCES)


async def _theme_education(session: AsyncSession, cast: Cast) -> None:
    tasks = []
    for area, count in AREAS.items():
        for number in range(1, count + 1):
            values = {"year": YEAR, "area": area, "title": f"{area}任务{number}", "done": True}
            tasks.append((await create_row(session, cast.staff, ThemeTask, values)).id)
    days = days_between(date(YEAR, 4, 20), date(YEAR, 12, 15), PROBLEMS)
    for index, day in enumerate(days):
        title = PROBLEM_TITLES[index % len(PROBLEM_TITLES)]
        values = {
            "title": f"{title}（第{index // len(PROBLEM_TITLES) + 1}批）",
            "description": "主题教育调研发现并推动解决",
            "solved_on": day,
            "theme_task_id": tasks[index % len(tasks)],
        }
        await create_row(session, cast.staff, ProblemSolved, values, commands.PROBLEM_REFERENCES)
