"""The scorecard from hand-made data: every metric's exact value, the Asia/Shanghai year
boundary, merged suggestions counted once, and who may read it."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared import clock
from shared.consultation.models import (
    Attendance,
    Campaign,
    Consultation,
    Instruction,
    Platform,
    Report,
    Suggestion,
    report_consultations,
)
from shared.db import make_sessionmaker, uuid7
from shared.org.models import Expert, Member
from shared.party.models import JointActivity, PartyBranch, PartyPartner, ProblemSolved, ThemeTask
from shared.scorecard.wording import word
from shared.studio.models import ServiceActivity, Studio, StudioMembership, StudioRating
from shared.supervision.models import SupervisionCase, SupervisionTopic
from tests.api.test_conventions import assert_problem
from tests.conftest import World

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


class Maker:
    """Plain rows for the scorecard to count (it reads tables, whatever wrote them)."""

    def __init__(self, session: AsyncSession, world: World) -> None:
        self.session = session
        self.org = world.organisation_id

    def add(self, model: type[Any], **fields: Any) -> Any:
        row = model(id=uuid7(), organisation_id=self.org, **fields)
        self.session.add(row)
        return row

    async def platform(self, name: str) -> uuid.UUID:
        found = await self.session.scalar(
            select(Platform.id).where(Platform.organisation_id == self.org, Platform.name == name)
        )
        assert found is not None, f"default platform {name} missing"
        return found

    def consultation(
        self, platform_id: uuid.UUID, at: datetime, state: str = "held", **fields: Any
    ) -> Consultation:
        row: Consultation = self.add(
            Consultation,
            title="协商",
            topic="议题",
            platform_id=platform_id,
            scheduled_at=at,
            state=state,
            **fields,
        )
        return row

    def suggestion(self, consultation: Consultation, state: str, **fields: Any) -> Suggestion:
        row: Suggestion = self.add(
            Suggestion,
            consultation_id=consultation.id,
            content="建议",
            proposer_kind="member",
            state=state,
            **fields,
        )
        return row


async def _consultations(m: Maker, world: World) -> None:
    district = await m.platform("请你来协商")
    town = await m.platform("民生议事堂")
    village = await m.platform("民情鄞聚站")
    m.consultation(district, local(2023, 4, 27, 9, 30), principal_leader_attended=True)
    on_new_years_eve = m.consultation(district, local(2023, 12, 31, 23, 30))
    m.consultation(district, local(2024, 1, 1, 0, 30))  # 2023-12-31 16:30 UTC, but 2024 here
    m.consultation(district, local(2023, 6, 1, 9), state="planned")
    campaign = m.add(
        Campaign, name="民生议事助首善", starts_on=date(2023, 9, 1), ends_on=date(2023, 11, 30)
    )
    await m.session.flush()
    in_town = m.consultation(
        town, local(2023, 9, 10, 14), campaign_id=campaign.id, public_participants=40
    )
    in_village = m.consultation(
        village,
        local(2023, 10, 10, 14),
        campaign_id=campaign.id,
        public_participants=30,
        state="closed",
    )
    m.consultation(
        village,
        local(2023, 10, 11, 14),
        campaign_id=campaign.id,
        state="cancelled",
        public_participants=99,
    )
    await m.session.flush()
    members = [world.member_id] + [m.add(Member, name=f"委员{i}").id for i in range(2)]
    expert = m.add(Expert, name="专家", field="城市规划", batch=1)
    await m.session.flush()
    for member_id in members:
        m.add(Attendance, consultation_id=in_town.id, member_id=member_id)
    m.add(Attendance, consultation_id=in_village.id, member_id=members[0])
    m.add(Attendance, consultation_id=in_village.id, expert_id=expert.id)  # not a member
    adopted = m.suggestion(in_town, "adopted")
    await m.session.flush()
    m.suggestion(in_town, "implemented")
    m.suggestion(in_village, "not_adopted")
    m.suggestion(in_village, "merged", merged_into_id=adopted.id)  # counted once, as its target
    m.suggestion(in_village, "proposed")
    m.suggestion(on_new_years_eve, "partially_adopted")
    await _reports(m, world, in_town)
    m.add(Expert, name="专家2", field="城市规划", batch=1)
    m.add(Expert, name="专家3", field="公共卫生", batch=1)
    m.add(Expert, name="第二批专家", field="法律", batch=2)
    m.add(Expert, name="离任专家", field="教育", batch=1, active=False)


async def _reports(m: Maker, world: World, campaign_session: Consultation) -> None:
    def report(kind: str, state: str, submitted_on: date | None) -> Report:
        row: Report = m.add(
            Report, kind=kind, title="专报", body="正文", state=state, submitted_on=submitted_on
        )
        return row

    instructed = report("special_report", "instructed", date(2023, 5, 1))
    other_tier = report("special_report", "instructed", date(2023, 6, 1))
    report("special_report", "submitted", date(2024, 1, 2))
    report("research_report", "submitted", date(2023, 3, 1))
    report("special_report", "draft", None)
    await m.session.flush()
    for row in (instructed, other_tier):
        await m.session.execute(
            insert(report_consultations).values(
                report_id=row.id, consultation_id=campaign_session.id
            )
        )
    for row, tier in ((instructed, "principal"), (instructed, "other"), (other_tier, "other")):
        m.add(
            Instruction,
            report_id=row.id,
            leader_name="沈敏",
            leader_tier=tier,
            text="阅",
            instructed_on=date(2023, 5, 3),
            department_ids=[str(world.departments[0])],
        )


async def _studios(m: Maker, world: World) -> None:
    now = clock.now()

    def studio(kind: str, active: bool = True) -> Studio:
        row: Studio = m.add(
            Studio,
            kind=kind,
            name=f"{kind}-{uuid.uuid4().hex[:6]}",
            lat=29.8,
            lon=121.55,
            active=active,
        )
        return row

    five, four, lapsed, closed = (studio("parlour") for _ in range(3)), None, None, None
    five, four, lapsed = list(five)
    closed = studio("parlour", active=False)
    post = studio("post")
    await m.session.flush()

    def rating(target: Studio, year: int, stars: int, level: str, valid: bool) -> None:
        m.add(
            StudioRating,
            studio_id=target.id,
            year=year,
            stars=stars,
            level=level,
            state="awarded",
            awarded_at=now,
            valid_until=now + (timedelta(days=300) if valid else -timedelta(days=1)),
        )

    rating(five, 2022, 4, "city", valid=True)
    rating(five, 2023, 5, "province", valid=True)  # the newest one counts
    rating(four, 2023, 4, "city", valid=True)
    rating(lapsed, 2022, 4, "district", valid=False)
    rating(closed, 2023, 5, "province", valid=True)
    held = date(2023, 8, 1)
    m.add(ServiceActivity, kind="featured_service", title="义诊", held_on=held, public_reach=100)
    m.add(
        ServiceActivity, kind="sector_service_week", title="服务周", held_on=held, public_reach=50
    )
    m.add(ServiceActivity, kind="lecture", title="委员小课堂", held_on=held, public_reach=999)
    m.add(
        ServiceActivity,
        kind="featured_service",
        title="去年",
        held_on=date(2022, 8, 1),
        public_reach=500,
    )
    others = [m.add(Member, name="甲").id, m.add(Member, name="乙").id]
    m.add(Member, name="离任", active=False)
    await m.session.flush()
    m.add(StudioMembership, studio_id=post.id, member_id=world.member_id, since=date(2023, 1, 1))
    m.add(
        StudioMembership,
        studio_id=post.id,
        member_id=others[0],
        since=date(2023, 1, 1),
        until=date(2023, 6, 30),
    )


async def _supervision(m: Maker) -> None:
    def topic(year: int, kind: str) -> SupervisionTopic:
        row: SupervisionTopic = m.add(
            SupervisionTopic,
            year=year,
            title="监督",
            kind=kind,
            feedback_window=timedelta(days=90),
            max_rounds=2,
            state="active",
        )
        return row

    first, second = topic(2023, "special_collective"), topic(2023, "special_collective")
    proposal, old = topic(2023, "proposal"), topic(2022, "special_collective")
    await m.session.flush()

    def case(on: SupervisionTopic, state: str, overdue: bool = False) -> None:
        m.add(
            SupervisionCase,
            topic_id=on.id,
            title="事项",
            issue="问题",
            recommendation="建议",
            state=state,
            overdue=overdue,
        )

    case(first, "closed")
    case(first, "awaiting_feedback", overdue=True)
    case(second, "withdrawn", overdue=True)
    case(proposal, "closed")
    case(old, "closed")


async def _party(m: Maker, world: World) -> None:
    from shared.org.models import Committee

    committees = [m.add(Committee, name=f"委{i}") for i in range(3)]
    await m.session.flush()
    one, two, _ = (
        m.add(PartyBranch, name=f"支部{i}", committee_id=c.id, active=i < 2)
        for i, c in enumerate(committees)
    )
    await m.session.flush()
    for branch, name in ((one, "甲党委"), (one, "乙党委"), (two, "甲党委"), (two, "丙党委")):
        m.add(PartyPartner, branch_id=branch.id, name=name)
    m.add(
        JointActivity,
        kind="study",
        title="联学",
        held_on=date(2023, 7, 18),
        party_member_participations=10,
    )
    m.add(
        JointActivity,
        kind="consultation",
        title="联议",
        held_on=date(2023, 3, 1),
        party_member_participations=20,
    )
    m.add(
        JointActivity,
        kind="study",
        title="去年",
        held_on=date(2022, 3, 1),
        party_member_participations=300,
    )
    for area in ("理论学习", "理论学习", "调查研究"):
        m.add(ThemeTask, year=2023, area=area, title="任务")
    m.add(ThemeTask, year=2022, area="检视整改", title="去年的任务")
    m.add(ProblemSolved, title="菜市场改造", solved_on=date(2023, 10, 1))
    m.add(ProblemSolved, title="楼道改造", solved_on=date(2023, 11, 1))
    m.add(ProblemSolved, title="明年", solved_on=date(2024, 1, 1))


@pytest.fixture
async def year_of_data(engine: AsyncEngine, world: World) -> World:
    async with make_sessionmaker(engine)() as session:
        maker = Maker(session, world)
        await _consultations(maker, world)
        await _studios(maker, world)
        await _supervision(maker)
        await _party(maker, world)
        await session.commit()
    return world


EXPECTED: dict[str, dict[str, tuple[float, str]]] = {
    "consultation": {
        "district_consultations": (2, "2次"),  # 27 Apr and New Year's Eve 23:30; not 1 Jan 00:30
        "special_reports": (2, "2份"),
        "principal_leader_consultations": (1, "1次"),
        "suggestions": (5, "5条"),  # merged one excluded
        "adopted_suggestions": (3, "3条"),
        "experts": (3, "3名"),
        "expert_fields": (2, "2个领域"),
    },
    "campaign": {
        "consultations": (2, "2场次"),
        "member_participations": (4, "4人次"),
        "public_participations": (70, "70人次"),
        "suggestions": (4, "4条"),
        "adopted_suggestions": (2, "2条"),
        "reports_with_principal_instructions": (1, "1篇"),
    },
    "studio": {
        "parlours": (3, "3家"),
        "parlours_five_star_province": (1, "1家"),
        "parlours_four_star": (1, "1家"),
        "featured_services": (2, "2场"),
        "featured_service_reach": (150, "100余人次"),
        "members_stationed_ratio": (0.2, "20.0%"),  # 1 of 5 active members
    },
    "supervision": {
        "special_topics": (2, "2项"),
        "cases_closed": (1, "1件"),
        "cases_overdue": (1, "1件"),
    },
    "party": {
        "party_branches": (2, "2个"),
        "partner_organisations": (3, "3个"),
        "joint_activities": (2, "2场次"),
        "joint_activity_participations": (30, "30人次"),
        "theme_task_areas": (2, "2个方面"),
        "theme_tasks": (3, "3项"),
        "problems_solved": (2, "2个"),
    },
}


async def test_every_metric_from_hand_made_data(
    client: httpx.AsyncClient, year_of_data: World
) -> None:
    response = await client.get("/api/v1/scorecards/2023", headers=year_of_data.auth("staff"))
    assert response.status_code == 200, response.text
    card = response.json()
    got = {
        section["key"]: {m["key"]: (m["value"], m["wording"]) for m in section["metrics"]}
        for section in card["sections"]
        if section["key"] != "platforms"
    }
    assert got == EXPECTED
    platforms = next(s for s in card["sections"] if s["key"] == "platforms")
    by_name = {m["label"]: (m["value"], m["target"]) for m in platforms["metrics"]}
    assert by_name["请你来协商"] == (2, 10)
    assert by_name["民生议事堂"] == (1, 100)
    assert by_name["民情鄞聚站"] == (1, 500)
    campaign = next(s for s in card["sections"] if s["key"] == "campaign")
    assert campaign["title"] == "民生议事助首善"


async def test_the_next_year_gets_the_new_years_morning_session(
    client: httpx.AsyncClient, year_of_data: World
) -> None:
    card = (await client.get("/api/v1/scorecards/2024", headers=year_of_data.auth("leader"))).json()
    consultation = next(s for s in card["sections"] if s["key"] == "consultation")
    values = {m["key"]: m["value"] for m in consultation["metrics"]}
    assert values["district_consultations"] == 1
    assert not [s for s in card["sections"] if s["key"] == "campaign"]


async def test_csv_and_xlsx_carry_the_same_figures(
    client: httpx.AsyncClient, year_of_data: World
) -> None:
    headers = year_of_data.auth("auditor")
    rows = list(
        csv.DictReader(
            io.StringIO(
                (
                    await client.get(
                        "/api/v1/scorecards/2023", params={"format": "csv"}, headers=headers
                    )
                ).text
            )
        )
    )
    assert {"section": "party", "key": "problems_solved", "value": "2"}.items() <= next(
        r for r in rows if r["key"] == "problems_solved"
    ).items()
    xlsx = await client.get("/api/v1/scorecards/2023.xlsx", headers=headers)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = {row[2]: row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["theme_tasks"] == 3


async def test_html_page_is_self_contained(client: httpx.AsyncClient, year_of_data: World) -> None:
    page = await client.get("/api/v1/scorecards/2023.html", headers=year_of_data.auth("staff"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "2023年履职成绩单" in page.text and "<svg" in page.text
    assert "src=" not in page.text and "<link" not in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/scorecards/1948",
        "/api/v1/scorecards/2101",
        "/api/v1/scorecards/二〇二三",
        "/api/v1/scorecards/2023.5",
    ],
)
async def test_bad_years_are_422(client: httpx.AsyncClient, world: World, path: str) -> None:
    assert_problem(await client.get(path, headers=world.auth("staff")), 422, "validation_error")


@pytest.mark.parametrize("role", ["department", "member"])
async def test_departments_and_members_may_not_read(
    client: httpx.AsyncClient, world: World, role: str
) -> None:
    assert_problem(
        await client.get("/api/v1/scorecards/2023", headers=world.auth(role)), 403, "forbidden"
    )
    assert_problem(
        await client.get("/api/v1/scorecards/2023.html", headers=world.auth(role)), 403, "forbidden"
    )


async def test_the_public_may_not_read(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/scorecards/2023"), 401, "unauthenticated")


async def test_another_organisation_sees_its_own_empty_year(
    client: httpx.AsyncClient, year_of_data: World, other_world: World
) -> None:
    card = (await client.get("/api/v1/scorecards/2023", headers=other_world.auth("staff"))).json()
    consultation = next(s for s in card["sections"] if s["key"] == "consultation")
    assert all(m["value"] == 0 for m in consultation["metrics"])


@pytest.mark.parametrize(
    ("value", "unit", "style", "target", "expected"),
    [
        (35, "次", "yu", None, "30余次"),
        (30, "次", "yu", None, "30次"),
        (1347, "人次", "duo", None, "1300多人次"),
        (2150, "人次", "yu", None, "2100余人次"),
        (512, "条", "duo", None, "500多条"),
        (7, "条", "duo", None, "7条"),
        (123, "场", "at_least", 100, "100场以上"),
        (10, "场", "at_least", 10, "10场"),
        (8, "场", "at_least", 10, "8场"),
        (3, "次", "many", None, "多次"),
        (1.0, "", "share", None, "全部"),
        (0.95, "", "share", None, "95.0%"),
    ],
)
def test_wording_in_the_articles_style(
    value: float, unit: str, style: Any, target: int | None, expected: str
) -> None:
    assert word(value, unit, style, target) == expected


def test_utc_instants_are_not_local_years() -> None:
    # Guard of the boundary the fixture relies on: 00:30 on 1 Jan in Shanghai is still 2023 in UTC.
    assert local(2024, 1, 1, 0, 30).astimezone(UTC).year == 2023
