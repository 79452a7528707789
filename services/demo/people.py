"""The demo's reference data: sectors, committees, departments, Yinzhou's towns and villages,
60 members, the 28 think-tank experts, and the logins that act in the other blocks.

Names of members and experts are invented; the places are Yinzhou's own.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.demo.cast import Cast, actor_of
from shared.auth import Actor, Role
from shared.consultation.commands import create_default_platforms
from shared.consultation.models import Platform
from shared.org import commands
from shared.org.models import Committee, Department, Expert, Member, Region, Sector, User

COMMITTEES = ("经济委", "教文委", "提案委", "委员工委", "社法委", "港澳台侨委")

# sector → its members (the first of 经济界 is the demo member, 王明)
MEMBERS: dict[str, str] = {
    "中共": "陈国强 李建华 张卫东 周海燕 徐立新 孙丽萍",
    "民革": "胡晓峰 朱文静 林志远",
    "民盟": "何雅琴 高明亮 罗晓东 梁佳慧",
    "民建": "郭振宇 马丽娟 宋建平 韩冰",
    "民进": "唐晓燕 冯志刚 董婷婷",
    "农工党": "程雪梅 曹永康 袁立群",
    "致公党": "邓海波 许晓红",
    "九三学社": "傅宏伟 沈佳琪 曾繁荣",
    "工商联": "邹建斌 熊晓东 金永福",
    "经济界": "王明 彭国良 吕建军 苏振华 卢海峰 蒋志伟 蔡晓明 贾永红",
    "教育界": "丁秀兰 魏文博 薛明霞 叶剑锋 阎春晖",
    "医卫界": "余晓萍 潘建国 杜丽华 戴志勇 夏晓雯",
    "科技界": "钟国栋 汪海涛 田晓光 任佳音",
    "文艺界": "姜文涛 范晓燕 方志明",
    "特邀": "石家豪 姚嘉欣 谭伟业 廖美玲",  # 港澳委员
}
HONG_KONG_MACAO = frozenset({"石家豪", "姚嘉欣", "谭伟业", "廖美玲"})
DEMO_MEMBER = "王明"

# department → username of its handler (区发改局's is the printed demo login)
DEPARTMENTS: dict[str, str] = {
    "区发改局": "demo-department",
    "区经信局": "demo-dept-jxj",
    "区住建局": "demo-dept-zjj",
    "区商务局": "demo-dept-swj",
    "区农业农村局": "demo-dept-nyncj",
    "区卫健局": "demo-dept-wjj",
    "区民政局": "demo-dept-mzj",
    "区市场监管局": "demo-dept-scjgj",
    "区教育局": "demo-dept-jyj",
    "区综合执法局": "demo-dept-zhzfj",
}

# town (镇街) → (lat, lon, its villages and communities)
TOWNS: dict[str, tuple[float, float, str]] = {
    "首南街道": (29.800, 121.540, "学府社区 泰安社区 日丽社区 天元社区"),
    "钟公庙街道": (29.815, 121.528, "金家漕社区 铜盆浦社区 天宫社区 鄞城社区"),
    "下应街道": (29.825, 121.590, "湾底村 河三村 海创社区 东城社区"),
    "中河街道": (29.832, 121.560, "宋诏桥社区 长丰社区 华城社区 东裕社区"),
    "潘火街道": (29.805, 121.585, "潘火社区 金桥社区 德培社区 亨河社区"),
    "姜山镇": (29.705, 121.535, "走马塘村 陈介桥村 茅山村 胡家坟村"),
    "五乡镇": (29.870, 121.720, "宝幢村 石山弄村 明伦村 五乡社区"),
    "咸祥镇": (29.745, 121.780, "芦浦村 咸一村 球东村 南头村"),
    "邱隘镇": (29.855, 121.645, "回龙村 盛垫村 横泾村 邱二村"),
    "云龙镇": (29.765, 121.660, "甲村 上李家村 前后陈村 冠英村"),
    "东吴镇": (29.810, 121.735, "天童村 勤勇村 三塘村 东村"),
    "横溪镇": (29.700, 121.625, "横溪村 道成岙村 金峨村 上任村"),
}

# 应用型智库, batch 1: field → experts (10 fields, 28 experts)
EXPERTS: dict[str, str] = {
    "产业经济": "孔令杰 严慧敏 陆志鹏",
    "城市规划": "白云翔 章宏远 邵静怡",
    "法律": "毛建勋 江晓岚 史浩然",
    "教育": "顾梅芳 侯振东 孟凡超",
    "医疗卫生": "龚丽娜 黎振华 万家豪",
    "数字经济": "段鹏飞 雷晓静 钱俊辉",
    "生态环境": "汤明远 尹晓雪 黄振国",
    "金融": "常志勇 武晓丽 乔建新",
    "农业农村": "赖国华 龙晓芬",
    "文化旅游": "殷文博 易佳琳",
}
AFFILIATIONS = ("宁波大学", "浙大宁波理工学院", "宁波诺丁汉大学", "浙江万里学院", "宁波工程学院")


async def load(session: AsyncSession, admin: Actor, password: str) -> Cast:
    """Create the reference data and the logins; returns the cast the other blocks act with."""
    cast = Cast(admin.organisation_id, admin, admin, admin)
    for name in MEMBERS:
        cast.sectors[name] = await _named(session, admin, Sector, name)
    for name in COMMITTEES:
        cast.committees[name] = await _named(session, admin, Committee, name)
    for name in DEPARTMENTS:
        cast.departments[name] = await _named(session, admin, Department, name)
    await _regions(session, cast)
    await _members(session, cast)
    await _experts(session, cast)
    await _logins(session, cast, password)
    cast.platforms = await _platforms(session, admin)
    return cast


async def _platforms(session: AsyncSession, admin: Actor) -> dict[str, uuid.UUID]:
    """The 115 platforms; an organisation made before the consultation context existed (an
    earlier demo) gets the defaults every new organisation starts with."""
    stmt = select(Platform.name, Platform.id).where(
        Platform.organisation_id == admin.organisation_id
    )
    found = dict((await session.execute(stmt)).tuples().all())
    if not found:
        await create_default_platforms(session, admin)
        found = dict((await session.execute(stmt)).tuples().all())
    return found


async def _named(
    session: AsyncSession, admin: Actor, model: type[Sector | Committee | Department], name: str
) -> uuid.UUID:
    """The row of that name, made unless an earlier (smaller) demo already made it."""
    found = await session.scalar(
        select(model.id).where(model.organisation_id == admin.organisation_id, model.name == name)
    )
    if found is not None:
        return found
    return (await commands.create(session, admin, model, {"name": name})).id


async def _regions(session: AsyncSession, cast: Cast) -> None:
    for town, (lat, lon, villages) in TOWNS.items():
        values: dict[str, Any] = {"name": town, "level": "town", "lat": lat, "lon": lon}
        region = await commands.create(session, cast.admin, Region, values)
        cast.towns[town] = region.id
        cast.places[region.id] = (town, lat, lon)
        cast.villages[town] = []
        for index, village in enumerate(villages.split()):
            # The communities lie around the town's centre, a kilometre or so apart.
            v_lat = round(lat + 0.009 * ((index % 2) * 2 - 1) + cast.rng.uniform(-0.003, 0.003), 5)
            v_lon = round(lon + 0.010 * (index // 2 * 2 - 1) + cast.rng.uniform(-0.003, 0.003), 5)
            values = {
                "name": village,
                "level": "village",
                "parent_id": region.id,
                "lat": v_lat,
                "lon": v_lon,
            }
            place = await commands.create(session, cast.admin, Region, values)
            cast.villages[town].append(place.id)
            cast.places[place.id] = (f"{town}{village}", v_lat, v_lon)


async def _members(session: AsyncSession, cast: Cast) -> None:
    committees = [c for c in COMMITTEES if c != "港澳台侨委"]
    seat = 0
    for sector, names in MEMBERS.items():
        for name in names.split():
            if name in HONG_KONG_MACAO:
                joined = ["港澳台侨委"]
            else:
                joined = [committees[seat % len(committees)]]
            values: dict[str, Any] = {
                "name": name,
                "sector_id": cast.sectors[sector],
                "standing": seat % 4 == 0 or name == DEMO_MEMBER,
                "bio": f"区政协委员（{sector}），{joined[0]}委员。",
                "committee_ids": [cast.committees[c] for c in joined],
            }
            cast.members[name] = await _member(session, cast.admin, values)
            seat += 1


async def _member(session: AsyncSession, admin: Actor, values: dict[str, Any]) -> uuid.UUID:
    found = await session.scalar(
        select(Member)
        .where(Member.organisation_id == admin.organisation_id, Member.name == values["name"])
        .options(selectinload(Member.committees))
    )
    if found is not None:  # an earlier demo's 王明: brought up to date, not duplicated
        await commands.update(session, admin, found, values)
        return found.id
    return (await commands.create(session, admin, Member, values)).id


async def _experts(session: AsyncSession, cast: Cast) -> None:
    index = 0
    for field, names in EXPERTS.items():
        for name in names.split():
            values = {
                "name": name,
                "field": field,
                "batch": 1,
                "affiliation": AFFILIATIONS[index % len(AFFILIATIONS)],
            }
            cast.experts.append((await commands.create(session, cast.admin, Expert, values)).id)
            index += 1


async def _user(
    session: AsyncSession, cast: Cast, password: str, username: str, values: dict[str, Any]
) -> Actor:
    """The login (made once: an earlier demo may have left it) and the actor it signs in as."""
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        user = await commands.create_user(
            session, cast.admin, {"username": username, "password": password, **values}
        )
    links: dict[str, Any] = {
        key: values[key]
        for key in ("department_id", "member_id")
        if key in values and getattr(user, key) != values[key]
    }
    if links:  # an earlier, smaller demo bound the login elsewhere
        await commands.update_user(session, cast.admin, user, links)
    return actor_of(
        user.id,
        cast.organisation_id,
        Role(user.role),
        user.display_name,
        department_id=user.department_id,
        member_id=user.member_id,
    )


async def _logins(session: AsyncSession, cast: Cast, password: str) -> None:
    staff = {"role": "staff", "display_name": "政协办公室 李静"}
    cast.staff = await _user(session, cast, password, "demo-staff", staff)
    leader = {"role": "leader", "display_name": "区政协主席"}
    cast.leader = await _user(session, cast, password, "demo-leader", leader)
    await _user(
        session,
        cast,
        password,
        "demo-auditor",
        {"role": "auditor", "display_name": "机关纪检 审计员"},
    )
    for name, username in DEPARTMENTS.items():
        values = {
            "role": "department",
            "display_name": f"{name} 经办人",
            "department_id": cast.departments[name],
        }
        cast.handlers[name] = await _user(session, cast, password, username, values)
    member_id = cast.members[DEMO_MEMBER]
    values = {"role": "member", "display_name": f"委员 {DEMO_MEMBER}", "member_id": member_id}
    cast.member_actors[member_id] = await _user(session, cast, password, "demo-member", values)


async def add_member_login(
    session: AsyncSession, cast: Cast, password: str, name: str, username: str
) -> Actor:
    """A member's own login, for what only the member may do (a convener's application)."""
    member_id = cast.members[name]
    if member_id not in cast.member_actors:
        values = {"role": "member", "display_name": f"委员 {name}", "member_id": member_id}
        cast.member_actors[member_id] = await _user(session, cast, password, username, values)
    return cast.member_actors[member_id]
