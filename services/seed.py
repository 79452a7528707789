"""``tongxin init`` and ``tongxin demo``: data goes in through the same commands the API uses; the
demo year is composed here with the worker's jobs, which make its moves between rounds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import demo
from services.worker import jobs
from shared.auth import Actor, Role
from shared.config import Settings
from shared.db import make_engine, make_sessionmaker
from shared.org import commands
from shared.org.models import Organisation, User

DEMO_ORGANISATION = "鄞州区政协"
DEMO_LOGINS = [
    ("demo-admin", "admin"),
    ("demo-staff", "staff"),
    ("demo-leader", "leader"),
    ("demo-member", "member"),
    ("demo-department", "department"),
    ("demo-auditor", "auditor"),
]


async def init_organisation(settings: Settings, name: str, admin: str, password: str) -> bool:
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            _, created = await commands.init_organisation(session, name, admin, password)
            await session.commit()
            return created
    finally:
        await engine.dispose()


async def load_demo(settings: Settings, password: str) -> list[tuple[str, str]]:
    """The demo organisation with its 2023 and one login per role; running it again changes
    nothing (the year is loaded once) and returns the same logins."""
    engine = make_engine(settings.database_url)
    try:
        sessionmaker = make_sessionmaker(engine)
        async with sessionmaker() as session:
            organisation, _ = await commands.init_organisation(
                session, DEMO_ORGANISATION, "demo-admin", password
            )
            admin = await _admin(session, organisation)
            await session.commit()

        async def settle() -> None:
            # The worker's moves between the demo's rounds, in this process (it sweeps in
            # batches, so until a sweep finds nothing).
            while await jobs.sweep(sessionmaker, None):
                pass

        await demo.load(sessionmaker, admin, password, settle)
        return list(DEMO_LOGINS)
    finally:
        await engine.dispose()


async def _admin(session: AsyncSession, organisation: Organisation) -> Actor:
    user = await session.scalar(select(User).where(User.username == "demo-admin"))
    assert user is not None  # init_organisation made it with the organisation
    return Actor(
        id=user.id, organisation_id=organisation.id, role=Role.admin, label=user.display_name
    )
