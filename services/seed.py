"""``tongxin init`` and ``tongxin demo``: data goes in through the same commands the API uses."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, Role
from shared.config import Settings
from shared.db import make_engine, make_sessionmaker
from shared.org import commands
from shared.org.models import Department, Member, Sector, User

DEMO_ORGANISATION = "鄞州区政协"

Named = TypeVar("Named", Sector, Department)


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
    """The demo organisation with one login per role; running it again changes nothing."""
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            logins = await _demo(session, password)
            await session.commit()
            return logins
    finally:
        await engine.dispose()


async def _demo(session: AsyncSession, password: str) -> list[tuple[str, str]]:
    organisation, _ = await commands.init_organisation(
        session, DEMO_ORGANISATION, "demo-admin", password
    )
    admin_user = await session.scalar(select(User).where(User.username == "demo-admin"))
    assert admin_user is not None
    admin = Actor(
        id=admin_user.id,
        organisation_id=organisation.id,
        role=Role.admin,
        label=admin_user.display_name,
    )
    sector = await _named(session, admin, Sector, "经济界")
    department = await _named(session, admin, Department, "区发展和改革局")
    member = await session.scalar(
        select(Member).where(Member.organisation_id == organisation.id, Member.name == "王明")
    )
    if member is None:
        member = await commands.create(
            session, admin, Member, {"name": "王明", "sector_id": sector.id, "standing": True}
        )
    links = {
        "demo-staff": ("staff", "政协办公室 李静", {}),
        "demo-leader": ("leader", "区政协主席", {}),
        "demo-member": ("member", "委员 王明", {"member_id": member.id}),
        "demo-department": ("department", "区发改局 经办人", {"department_id": department.id}),
        "demo-auditor": ("auditor", "机关纪检 审计员", {}),
    }
    for username, (role, display_name, link) in links.items():
        if await session.scalar(select(User.id).where(User.username == username)) is None:
            await commands.create_user(
                session,
                admin,
                {
                    "username": username,
                    "password": password,
                    "role": role,
                    "display_name": display_name,
                    **link,
                },
            )
    return [("demo-admin", "admin")] + [(u, r) for u, (r, _, _) in links.items()]


async def _named(session: AsyncSession, admin: Actor, model: type[Named], name: str) -> Named:
    found = await session.scalar(
        select(model).where(model.organisation_id == admin.organisation_id, model.name == name)
    )
    if found is not None:
        return found
    return await commands.create(session, admin, model, {"name": name})
