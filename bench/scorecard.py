"""The scorecard at scale: with a year of 1,000,000 suggestions and 100,000 consultations, the
scorecard's time, and in the same run one hand-written SQL query computing the same campaign
figures (target: the scorecard's campaign section within 2x of the hand-written query).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.consultation import _admin, _migrate, _seed

CONSULTATIONS, SUGGESTIONS = 100_000, 1_000_000
RUNS = 15
LIMIT = 2.0
DATABASE = "tongxin_bench_scorecard"

# One campaign over 2023: every fourth 2023 session belongs to it.
CAMPAIGN_SQL = """
INSERT INTO campaigns (id, organisation_id, name, starts_on, ends_on, version, created_at,
    updated_at)
VALUES ($1, $2, '民生议事助首善', '2023-01-01', '2023-12-31', 1, now(), now());
"""
ASSIGN_SQL = """
UPDATE consultations SET campaign_id = $1
WHERE organisation_id = $2 AND scheduled_at >= '2023-01-01 00:00+08'
  AND scheduled_at < '2024-01-01 00:00+08' AND (('x' || right(id::text, 4))::bit(16)::int % 4) = 0
"""
HAND_SQL = """
WITH held AS (
    SELECT id, public_participants FROM consultations
    WHERE organisation_id = :org AND campaign_id = :campaign
      AND state IN ('held', 'concluded', 'closed')
)
SELECT
    (SELECT count(*) FROM held),
    (SELECT coalesce(sum(public_participants), 0) FROM held),
    (SELECT count(*) FROM attendances
       WHERE consultation_id IN (SELECT id FROM held) AND member_id IS NOT NULL),
    (SELECT count(*) FROM suggestions
       WHERE consultation_id IN (SELECT id FROM held) AND state <> 'merged'),
    (SELECT count(*) FROM suggestions
       WHERE consultation_id IN (SELECT id FROM held)
         AND state IN ('adopted', 'partially_adopted', 'planned', 'implemented', 'verified')),
    (SELECT count(DISTINCT rc.report_id) FROM report_consultations rc
       JOIN instructions i ON i.report_id = rc.report_id AND i.leader_tier = 'principal'
       WHERE rc.consultation_id IN (SELECT id FROM held))
"""


async def _median(work: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def _run() -> bool:
    from shared.db import make_engine, make_sessionmaker, uuid7
    from shared.org.models import Organisation
    from shared.scorecard import metrics

    await _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await _admin(f'CREATE DATABASE "{DATABASE}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}"
    engine: AsyncEngine = make_engine(url)
    try:
        print(f"{CONSULTATIONS:,} consultations, {SUGGESTIONS:,} suggestions", flush=True)
        await _migrate(url)
        await _seed(engine, CONSULTATIONS, SUGGESTIONS)
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            organisation = (await session.scalars(select(Organisation))).one()
            campaign = uuid7()
            connection = await session.connection()
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.execute(CAMPAIGN_SQL, campaign, organisation.id)
            await driver.execute(ASSIGN_SQL, campaign, organisation.id)
            await session.commit()
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
        async with sessions() as session:
            card_time, card = await _median(lambda: metrics.compute(session, organisation, 2023))
            campaign_row = (
                await session.scalars(
                    select(metrics.Campaign).where(metrics.Campaign.id == campaign)
                )
            ).one()
            section_time, section = await _median(
                lambda: metrics._campaign(session, organisation.id, campaign_row)
            )
            hand_time, hand = await _median(
                lambda: session.execute(
                    text(HAND_SQL), {"org": organisation.id, "campaign": campaign}
                )
            )
            hand_row = hand.one()
            plan = await session.execute(
                text("EXPLAIN " + HAND_SQL), {"org": organisation.id, "campaign": campaign}
            )
            plan_lines = [row[0] for row in plan]
    finally:
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    figures = {m.key: m.value for m in section.metrics}
    print(f"\ncampaign figures (scorecard): {figures}")
    print(f"campaign figures (hand SQL):  {tuple(hand_row)}")
    ratio = section_time / hand_time
    print(
        f"\nwhole 2023 scorecard, median of {RUNS}: {card_time * 1000:8.1f} ms "
        f"({sum(len(s.metrics) for s in card.sections)} metrics)"
    )
    print(f"campaign section (scorecard):       {section_time * 1000:8.1f} ms")
    print(f"same figures, one hand-written SQL: {hand_time * 1000:8.1f} ms")
    print(f"ratio {ratio:.2f}x  (target ≤ {LIMIT}x) {'MET' if ratio <= LIMIT else 'MISSED'}")
    print("\nplan of the hand-written query:\n  " + "\n  ".join(plan_lines))
    agree = (
        figures["consultations"],
        figures["public_participations"],
        figures["member_participations"],
        figures["suggestions"],
        figures["adopted_suggestions"],
        figures["reports_with_principal_instructions"],
    ) == tuple(hand_row)
    print(f"the two agree: {agree}")
    return agree and ratio <= LIMIT


def main() -> None:
    if not asyncio.run(_run()):
        raise SystemExit("scorecard benchmark: target missed or figures disagree")
