"""The demo year against the article: ``tongxin demo`` loads 鄞州区政协's 2023 so that the
scorecard falls in every range the article states (domain.md §5), exactly where it is exact;
loading it again changes nothing.

Each backend gets its own fresh database: the demo is a whole organisation with the worker's
moves, and a sweep in the shared test database would also move other tests' rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import demo
from services.demo.consultations import CAMPAIGN
from services.seed import DEMO_LOGINS, DEMO_ORGANISATION, load_demo
from shared.consultation.models import Instruction, Report, Suggestion
from shared.db import Base, make_engine, make_sessionmaker
from shared.org.models import Organisation
from shared.scorecard.metrics import compute
from shared.scorecard.schemas import Scorecard
from tests.conftest import RUN, drop_database, migrate, needs, recreate_database, test_settings

PASSWORD = "tongxin-demo"
UNBOUNDED = 10**9  # "N以上" and "多次": no upper bound

# (section, key, lowest, highest): "N余/N多" is N < value < the next step, "N以上" is ≥ N.
ARTICLE: list[tuple[str, str, int, int]] = [
    ("consultation", "district_consultations", 31, 39),  # 30余次
    ("consultation", "special_reports", 20, 20),  # 20份
    ("consultation", "principal_leader_consultations", 2, UNBOUNDED),  # 多次
    ("consultation", "experts", 28, 28),  # 28名
    ("consultation", "expert_fields", 10, 10),  # 10个领域
    ("campaign", "consultations", 47, 47),  # 47场次
    ("campaign", "member_participations", 1301, 1399),  # 1300多人次
    ("campaign", "public_participations", 2101, 2199),  # 2100余人次
    ("campaign", "suggestions", 501, 599),  # 500多条
    ("campaign", "adopted_suggestions", 475, 475),  # 475条
    ("campaign", "reports_with_principal_instructions", 7, 7),  # 7篇
    ("studio", "parlours", 6, 6),  # 6家
    ("studio", "parlours_five_star_province", 2, 2),
    ("studio", "parlours_four_star", 4, 4),
    ("studio", "featured_services", 17, 17),  # 17场
    ("studio", "featured_service_reach", 1601, 1699),  # 1600余人次
    ("supervision", "special_topics", 3, 3),
    ("party", "party_branches", 6, 6),
    ("party", "partner_organisations", 22, 22),
    ("party", "joint_activities", 71, 79),  # 70余场次
    ("party", "joint_activity_participations", 1501, 1599),  # 1500余人次
    ("party", "theme_task_areas", 5, 5),
    ("party", "theme_tasks", 30, 30),
    ("party", "problems_solved", 37, 37),
]
WORDED = {
    ("consultation", "district_consultations"): "30余次",
    ("campaign", "member_participations"): "1300多人次",
    ("campaign", "public_participations"): "2100余人次",
    ("campaign", "suggestions"): "500多条",
    ("campaign", "adopted_suggestions"): "475条",
    ("studio", "featured_service_reach"): "1600余人次",
    ("party", "joint_activities"): "70余场次",
    ("party", "joint_activity_participations"): "1500余人次",
}
# The "115" architecture: 10 district 请你来协商, 100以上 town, 500以上 village sessions.
PLATFORMS = {"请你来协商": (10, 10), "民生议事堂": (100, UNBOUNDED), "民情鄞聚站": (500, UNBOUNDED)}


@pytest.fixture(params=["sqlite", "postgres"])
async def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
        await migrate(url)
        yield url
        return
    needs("postgres")
    name = f"tongxin_demo_{RUN}"
    url = await recreate_database(name)
    await migrate(url)
    yield url
    await drop_database(name)


async def _scorecard(session: AsyncSession) -> Scorecard:
    organisation = await session.scalar(
        select(Organisation).where(Organisation.name == DEMO_ORGANISATION)
    )
    assert organisation is not None
    return await compute(session, organisation, 2023)


async def _row_counts(session: AsyncSession) -> dict[str, int]:
    return {
        table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


async def test_the_demo_year_reproduces_the_article(demo_url: str) -> None:
    settings = test_settings(demo_url)
    logins = await load_demo(settings, PASSWORD)
    assert [username for username, _ in logins] == [username for username, _ in DEMO_LOGINS]

    engine = make_engine(demo_url)
    try:
        async with make_sessionmaker(engine)() as session:
            card = await _scorecard(session)
            before = await _row_counts(session)
        misses = []
        for section, key, low, high in ARTICLE:
            title = CAMPAIGN if section == "campaign" else None
            value = card.metric(section, key, title).value
            if not low <= value <= high:
                misses.append(f"{section}.{key} = {value}, article: {low}–{high}")
        section = next(s for s in card.sections if s.key == "platforms")
        platforms = {m.label: m for m in section.metrics if m.key == "platform"}
        for name, (low, high) in PLATFORMS.items():
            if not low <= platforms[name].value <= high:
                misses.append(f"platform {name} = {platforms[name].value}")
            assert platforms[name].target == low
        assert card.metric("studio", "members_stationed_ratio").value == 1.0  # 全部委员进驻
        assert misses == []
        # And in the article's own words.
        words = {
            key: card.metric(sec, key, CAMPAIGN if sec == "campaign" else None).wording
            for sec, key in WORDED
        }
        assert words == {key: text for (_, key), text in WORDED.items()}
        assert [platforms[name].wording for name in PLATFORMS] == ["10场", "100场以上", "500场以上"]
        # The campaign's suggestions leave the merged duplicates out: some were merged.
        assert before["suggestions"] > card.metric("consultation", "suggestions").value

        assert await load_demo(settings, PASSWORD) == logins
        async with make_sessionmaker(engine)() as session:
            assert await _row_counts(session) == before
            # A load interrupted before its last transaction is named, not taken for done.
            organisation_id = await session.scalar(
                select(Organisation.id).where(Organisation.name == DEMO_ORGANISATION)
            )
            assert organisation_id is not None
            assert await demo.loaded(session, organisation_id)
            await session.execute(update(Suggestion).values(report_id=None))
            await session.execute(delete(Instruction))
            await session.execute(delete(Report))
            with pytest.raises(demo.DemoIncomplete, match=r"rm var/tongxin\.db"):
                await demo.loaded(session, organisation_id)
            await session.rollback()
    finally:
        await engine.dispose()
