"""The demo's venues: 6 委员会客厅 rated through the star workflow (2 provincial five-star, 4
four-star), the studios 台青驿站, 首善有爱 and 幸福相应, 协商驿站 posts in the outer towns, every
member stationed point-to-point, and the year's service activities (17 featured services)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.demo import people
from services.demo.cast import YEAR, Cast, spread
from shared import clock
from shared.auth import Actor
from shared.studio import commands, queries
from shared.studio.models import Studio, StudioRating

# name → (kind, town, convener, theme); parlours carry (stars awarded at province level)
VENUES: dict[str, tuple[str, str, str, str]] = {
    "首南街道委员会客厅": ("parlour", "首南街道", "王明", "共建首善之区"),
    "姜山镇委员会客厅": ("parlour", "姜山镇", "彭国良", "乡村振兴与共同富裕"),
    "钟公庙街道委员会客厅": ("parlour", "钟公庙街道", "何雅琴", "老旧小区改造"),
    "下应街道委员会客厅": ("parlour", "下应街道", "郭振宇", "城中村改造与产业升级"),
    "中河街道委员会客厅": ("parlour", "中河街道", "唐晓燕", "未来社区建设"),
    "五乡镇委员会客厅": ("parlour", "五乡镇", "程雪梅", "美丽乡村与文旅融合"),
    "台青驿站": ("studio", "中河街道", "石家豪", "港澳台青年交流与创业"),
    "首善有爱": ("studio", "首南街道", "余晓萍", "医卫志愿服务"),
    "幸福相应": ("studio", "下应街道", "丁秀兰", "一老一小幸福民生"),
    "潘火街道协商驿站": ("post", "潘火街道", "邹建斌", "产城融合"),
    "邱隘镇协商驿站": ("post", "邱隘镇", "蒋志伟", "镇村治理"),
    "咸祥镇协商驿站": ("post", "咸祥镇", "钟国栋", "滨海渔村发展"),
    "云龙镇协商驿站": ("post", "云龙镇", "潘建国", "农村养老"),
    "东吴镇协商驿站": ("post", "东吴镇", "姜文涛", "生态旅游"),
    "横溪镇协商驿站": ("post", "横溪镇", "魏文博", "山区共富"),
}
FIVE_STAR = ("首南街道委员会客厅", "姜山镇委员会客厅")

FEATURED = (
    "委员义诊进社区",
    "法律咨询进村居",
    "助企服务直通车",
    "非遗文化进社区",
    "科技助农下乡行",
    "菜篮子质量安全宣讲",
    "适老化改造政策进家门",
    "青少年心理健康讲座",
    "小微企业融资对接会",
    "垃圾分类入户指导",
    "港澳青年创业分享会",
    "美丽庭院共建行动",
)
SERVICE_WEEKS = ("医卫界", "教育界", "经济界", "科技界", "文艺界")
FEATURED_REACH = 1652  # 1600余人次


async def load(session: AsyncSession, cast: Cast, password: str) -> None:
    for name, (kind, town, convener, theme) in VENUES.items():
        _, lat, lon = cast.places[cast.towns[town]]
        values: dict[str, Any] = {
            "kind": kind,
            "name": name,
            "region_id": cast.towns[town],
            "address": f"鄞州区{town}",
            "lat": round(lat + 0.002, 5),
            "lon": round(lon - 0.002, 5),
            "convener_member_id": cast.members[convener],
            "theme": theme,
        }
        cast.studios[name] = (await commands.create_studio(session, cast.staff, values)).id
    await _station_everyone(session, cast)
    await _ratings(session, cast, password)
    await _activities(session, cast)


async def _station_everyone(session: AsyncSession, cast: Cast) -> None:
    """点对点进驻: each member in one venue (港澳委员 in 台青驿站), conveners in their own, and
    the standing members in a second one as well."""
    studios = list(cast.studios)
    conveners = {cast.members[c]: name for name, (_, _, c, _) in VENUES.items()}
    hong_kong_macao = set(_hong_kong_macao(cast))
    for seat, member_id in enumerate(cast.member_ids()):
        name = conveners.get(member_id, studios[seat % len(studios)])
        if member_id in hong_kong_macao:
            name = "台青驿站"
        places = [name] if seat % 5 else [name, studios[(seat + 7) % len(studios)]]
        for place in dict.fromkeys(places):
            studio = await _studio(session, cast, place)
            since = date(YEAR, 1 + seat % 3, 10)
            await commands.add_membership(
                session, cast.staff, studio, {"member_id": member_id, "since": since}
            )


def _hong_kong_macao(cast: Cast) -> list[uuid.UUID]:
    return [cast.members[name] for name in people.HONG_KONG_MACAO]


async def _studio(session: AsyncSession, cast: Cast, name: str) -> Studio:
    return await queries.get_studio(session, cast.staff, cast.studios[name])


def _still_current() -> datetime:
    """Awards stay current through the end of next year counted from the day the demo loads, so
    the 2023 ratings still show as the parlours' current stars."""
    return clock.year_bounds(max(YEAR + 1, clock.today("Asia/Shanghai").year + 1), "Asia/Shanghai")[
        1
    ]


async def _ratings(session: AsyncSession, cast: Cast, password: str) -> None:
    """星级评定: each parlour's convener applies, the office recommends upward and records the
    province's award; 幸福相应 gets a district award from the leader; 首善有爱 still waits."""
    for index, (name, (kind, _, convener, _)) in enumerate(VENUES.items()):
        if kind != "parlour" and name not in ("幸福相应", "首善有爱"):
            continue
        username = "demo-member" if convener == people.DEMO_MEMBER else f"demo-convener-{index:02d}"
        member = await people.add_member_login(session, cast, password, convener, username)
        studio = await _studio(session, cast, name)
        stars = 5 if name in FIVE_STAR else 4 if kind == "parlour" else 3
        rating = await commands.create_rating(
            session,
            member,
            studio,
            {
                "year": YEAR,
                "stars": stars,
                "level": None,
                "self_assessment": f"{name}{YEAR}年度自评",
            },
        )
        await _act(session, member, rating, {"action": "submit"})
        if name == "首善有爱":
            continue
        if kind != "parlour":
            award = {"action": "award", "stars": 3, "level": "district", "comment": "区级三星"}
            await _act(session, cast.leader, rating, award)
            continue
        await _act(session, cast.staff, rating, {"action": "recommend", "comment": "推荐参评省级"})
        award = {
            "action": "award",
            "stars": stars,
            "level": "province",
            "valid_until": _still_current(),
            "comment": "省政协星级会客厅评定结果",
        }
        await _act(session, cast.staff, rating, award)


async def _act(
    session: AsyncSession, actor: Actor, rating: StudioRating, body: dict[str, Any]
) -> None:
    await commands.act_on_rating(session, actor, rating, body)


async def _activities(session: AsyncSession, cast: Cast) -> None:
    members = cast.member_ids()
    reach = spread(FEATURED_REACH, len(FEATURED) + len(SERVICE_WEEKS), cast.rng)
    studios = list(cast.studios)
    for index, title in enumerate(FEATURED):
        values = {
            "kind": "featured_service",
            "title": title,
            "studio_id": cast.studios[studios[index % len(studios)]],
            "held_on": date(YEAR, 2 + index % 10, 8 + index),
            "member_ids": cast.rng.sample(members, 4),
            "public_reach": reach[index],
        }
        await commands.create_activity(session, cast.staff, values)
    for index, sector in enumerate(SERVICE_WEEKS):
        values = {
            "kind": "sector_service_week",
            "title": f"{sector}界别服务周",
            "sector_id": cast.sectors[sector],
            "held_on": date(YEAR, 5 + index, 15),
            "member_ids": cast.rng.sample(members, 6),
            "public_reach": reach[len(FEATURED) + index],
        }
        await commands.create_activity(session, cast.staff, values)
    await _other_activities(session, cast)


async def _other_activities(session: AsyncSession, cast: Cast) -> None:
    """Lectures, reception days and the 港澳委员 online meeting: not featured services."""
    members = cast.member_ids()
    others: list[dict[str, Any]] = [
        {
            "kind": "lecture",
            "title": f"委员小课堂（第{n}期）",
            "studio_id": cast.studios["幸福相应"],
            "held_on": date(YEAR, 3 * n, 20),
            "member_ids": cast.rng.sample(members, 3),
            "public_reach": 40 + 5 * n,
        }
        for n in range(1, 5)
    ]
    others += [
        {
            "kind": "reception_day",
            "title": f"委员接待日（{name}）",
            "studio_id": cast.studios[name],
            "held_on": date(YEAR, 4 + 2 * n, 12),
            "member_ids": cast.rng.sample(members, 2),
            "public_reach": 25 + 3 * n,
        }
        for n, name in enumerate(("首南街道委员会客厅", "姜山镇委员会客厅", "首善有爱"))
    ]
    others.append(
        {
            "kind": "online_meeting",
            "title": "港澳委员“云端”赴约：鄞州与港澳交流合作",
            "studio_id": cast.studios["台青驿站"],
            "held_on": date(YEAR, 11, 20),
            "member_ids": _hong_kong_macao(cast),
            "public_reach": 0,
        }
    )
    for values in others:
        await commands.create_activity(session, cast.staff, values)
