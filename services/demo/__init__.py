"""The demo year: 鄞州区政协 in 2023, loaded so that its scorecard reproduces the article.

Everything goes in through the commands the API uses, acting as the office, the departments'
handlers and the members, so the events, timers and audit trail are those of real use. Business
dates are 2023's; the moves the worker makes by rule are left to the worker: the caller passes
``settle``, which runs it until nothing is due (the command line composes it from the worker's
jobs, so the demo does not depend on the worker package).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.demo import consultations, party, people, reports, studios, suggestions, supervision
from shared.auth import Actor
from shared.consultation.models import Campaign, Report


class DemoIncomplete(Exception):
    """An earlier load stopped half-way (interrupted): the year cannot be completed in place."""


async def loaded(session: AsyncSession, organisation_id: uuid.UUID) -> bool:
    """Whether the demo year is in: its campaign (written in the first transaction) and its
    reports (written in the last). Raises ``DemoIncomplete`` when only the first is."""
    campaign = await session.scalar(
        select(Campaign.id).where(
            Campaign.organisation_id == organisation_id, Campaign.name == consultations.CAMPAIGN
        )
    )
    if campaign is None:
        return False
    report = await session.scalar(
        select(Report.id).where(Report.organisation_id == organisation_id).limit(1)
    )
    if report is None:
        raise DemoIncomplete(
            "the demo year was only partly loaded (an earlier `tongxin demo` was interrupted); "
            "remove the database (for the default: rm var/tongxin.db) and load it again"
        )
    return True


async def load(
    sessionmaker: async_sessionmaker[AsyncSession],
    admin: Actor,
    password: str,
    settle: Callable[[], Awaitable[None]],
) -> bool:
    """Load the year unless it is there already; says whether it loaded anything.

    Supervision comes before the bulk of the consultations: its loop needs the worker's moves
    between rounds, and the worker takes events oldest first.
    """
    async with sessionmaker() as session:
        if await loaded(session, admin.organisation_id):
            return False
        cast = await people.load(session, admin, password)
        campaign_id = await consultations.plan_campaign(session, cast)
        await studios.load(session, cast, password)
        await party.load(session, cast)
        await session.commit()
    await supervision.load(sessionmaker, cast, settle)
    async with sessionmaker() as session:
        held = await consultations.load(session, cast, campaign_id)
        await suggestions.load_campaign(session, cast, held)
        waiting = await suggestions.load_district(session, cast, held)
        await reports.load(session, cast, held, waiting)
        await session.commit()
    return True
