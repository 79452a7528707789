"""Studio context: every SELECT, tenant-scoped and keyset-paginated."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from shared import clock
from shared.auth import Actor, Role
from shared.errors import Invalid, NotFound
from shared.org.models import Member, Organisation, Region, Sector
from shared.pagination import Page, paginate
from shared.studio import geo
from shared.studio.models import (
    ContactRequest,
    ServiceActivity,
    Studio,
    StudioMembership,
    StudioRating,
)
from shared.tenancy import filtered, get_scoped, one, page_scoped, scoped

# The public search answers at most this many studios, nearest first.
NEARBY_MAX = 50


async def timezone_of(session: AsyncSession, organisation_id: uuid.UUID) -> str:
    zone = await session.scalar(
        select(Organisation.timezone).where(Organisation.id == organisation_id)
    )
    if zone is None:
        raise NotFound(f"No organisation with id {organisation_id}.")
    return zone


async def today(session: AsyncSession, organisation_id: uuid.UUID) -> date:
    return clock.today(await timezone_of(session, organisation_id))


# --- studios ---------------------------------------------------------------------------------


async def get_studio(session: AsyncSession, actor: Actor, studio_id: uuid.UUID) -> Studio:
    return await get_scoped(session, Studio, actor, studio_id)


async def studio_page(
    session: AsyncSession, actor: Actor, filters: dict[str, Any], *, limit: int, cursor: str | None
) -> Page[Studio]:
    return await page_scoped(session, Studio, actor, filters=filters, limit=limit, cursor=cursor)


async def current_ratings(
    session: AsyncSession, studio_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, StudioRating]:
    """Each studio's newest awarded, unexpired rating (at most one query for a whole page)."""
    ids = list(studio_ids)
    if not ids:
        return {}
    rows = await session.scalars(
        select(StudioRating)
        .where(
            StudioRating.studio_id.in_(ids),
            StudioRating.state == "awarded",
            or_(StudioRating.valid_until.is_(None), StudioRating.valid_until > clock.now()),
        )
        .order_by(StudioRating.year.desc(), StudioRating.id.desc())
    )
    newest: dict[uuid.UUID, StudioRating] = {}
    for rating in rows:
        newest.setdefault(rating.studio_id, rating)
    return newest


def nearby_statement(organisation_id: uuid.UUID | None, box: geo.Box) -> Select[tuple[Studio]]:
    """The active studios inside a box: a range scan of ``ix_studios_circle``. Without an
    organisation the scan runs once per organisation (``IN`` on the index's leading column; a
    district has a handful), so a resident on a border meets every organisation's studios at
    the same cost per organisation, with no second index."""
    owners = (
        Studio.organisation_id == organisation_id
        if organisation_id is not None
        else Studio.organisation_id.in_(select(Organisation.id))
    )
    return select(Studio).where(
        owners,
        Studio.active == true(),
        Studio.lat.between(box.min_lat, box.max_lat),
        Studio.lon.between(box.min_lon, box.max_lon),
    )


async def nearby(
    session: AsyncSession,
    organisation_id: uuid.UUID | None,
    lat: float,
    lon: float,
    radius_m: float,
    limit: int = NEARBY_MAX,
) -> list[tuple[Studio, float]]:
    """Active studios within ``radius_m`` of a point (of one organisation, or of all), nearest
    first: an index range scan of the circle's bounding box, then the exact great-circle
    distance on the few rows inside it."""
    rows = await session.scalars(
        nearby_statement(organisation_id, geo.bounding_box(lat, lon, radius_m))
    )
    studios = {studio.id: studio for studio in rows}
    places = [geo.Place(s.id, s.lat, s.lon) for s in studios.values()]
    found = geo.nearest_first(lat, lon, places, radius_m, min(limit, NEARBY_MAX))
    return [(studios[place.key], distance) for place, distance in found]  # type: ignore[index]


async def _villages(
    session: AsyncSession, actor: Actor, region_id: uuid.UUID | None
) -> list[Region]:
    stmt = scoped(Region, actor).where(Region.level == "village")
    if region_id is not None:
        region = await get_scoped(session, Region, actor, region_id)
        if region.level == "town":
            stmt = stmt.where(Region.parent_id == region.id)
        else:
            stmt = stmt.where(Region.id == region.id)
    return list((await session.scalars(stmt.order_by(Region.id))).all())


async def coverage(
    session: AsyncSession, actor: Actor, region_id: uuid.UUID | None, radius_m: float
) -> list[tuple[Region, tuple[geo.Place, float] | None]]:
    """Each village (of a town, or all) with the nearest active studio whose circle holds its
    centre, if any. Studios are read once, only inside the villages' box grown by the radius."""
    villages = await _villages(session, actor, region_id)
    located = [v for v in villages if v.lat is not None and v.lon is not None]
    if not located:
        return [(village, None) for village in villages]
    corners = [
        geo.bounding_box(v.lat, v.lon, radius_m)  # type: ignore[arg-type]
        for v in located
    ]
    rows = await session.execute(
        select(Studio.id, Studio.lat, Studio.lon).where(
            Studio.organisation_id == actor.organisation_id,
            Studio.active == true(),
            Studio.lat.between(min(b.min_lat for b in corners), max(b.max_lat for b in corners)),
            Studio.lon.between(min(b.min_lon for b in corners), max(b.max_lon for b in corners)),
        )
    )
    grid = geo.Grid((geo.Place(r.id, r.lat, r.lon) for r in rows), radius_m)
    return [
        (v, grid.nearest_within(v.lat, v.lon) if v.lat is not None and v.lon is not None else None)
        for v in villages
    ]


# --- memberships -----------------------------------------------------------------------------


async def get_membership(
    session: AsyncSession, actor: Actor, studio: Studio, membership_id: uuid.UUID
) -> StudioMembership:
    found = await session.scalar(
        scoped(StudioMembership, actor).where(
            StudioMembership.id == membership_id, StudioMembership.studio_id == studio.id
        )
    )
    if found is None:
        raise NotFound(f"No membership with id {membership_id} in this studio.")
    return found


async def membership_page(
    session: AsyncSession, actor: Actor, studio: Studio, *, limit: int, cursor: str | None
) -> Page[StudioMembership]:
    stmt = scoped(StudioMembership, actor).where(StudioMembership.studio_id == studio.id)
    return await paginate(session, stmt, StudioMembership.id, limit=limit, cursor=cursor)


async def overlapping_membership(
    session: AsyncSession, membership: StudioMembership
) -> uuid.UUID | None:
    """Another stationing of the same member in the same studio whose period meets this one."""
    found: uuid.UUID | None = await session.scalar(
        select(StudioMembership.id).where(
            StudioMembership.studio_id == membership.studio_id,
            StudioMembership.member_id == membership.member_id,
            StudioMembership.id != membership.id,
            or_(StudioMembership.until.is_(None), StudioMembership.until >= membership.since),
            *(() if membership.until is None else (StudioMembership.since <= membership.until,)),
        )
    )
    return found


def stationed(on: date) -> ColumnElement[bool]:
    """Whether a member holds a stationing in an active studio on a date."""
    return exists(
        select(StudioMembership.id)
        .join(Studio, Studio.id == StudioMembership.studio_id)
        .where(
            StudioMembership.member_id == Member.id,
            StudioMembership.since <= on,
            or_(StudioMembership.until.is_(None), StudioMembership.until >= on),
            Studio.active == true(),
        )
    )


async def member_page(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: dict[str, Any],
    limit: int,
    cursor: str | None,
) -> Page[Member]:
    """``GET /members`` with the studio filter ``stationed`` beside the equality filters."""
    filters = dict(filters)
    wanted = filters.pop("stationed", None)
    stmt = filtered(scoped(Member, actor).options(selectinload(Member.committees)), Member, filters)
    if wanted is not None:
        clause = stationed(await today(session, actor.organisation_id))
        stmt = stmt.where(clause if wanted else ~clause)
    return await paginate(session, stmt, Member.id, limit=limit, cursor=cursor)


# --- ratings ---------------------------------------------------------------------------------


async def get_rating(session: AsyncSession, actor: Actor, rating_id: uuid.UUID) -> StudioRating:
    return await get_scoped(session, StudioRating, actor, rating_id)


async def rating_page(
    session: AsyncSession, actor: Actor, studio: Studio, *, limit: int, cursor: str | None
) -> Page[StudioRating]:
    stmt = scoped(StudioRating, actor).where(StudioRating.studio_id == studio.id)
    return await paginate(session, stmt, StudioRating.id, limit=limit, cursor=cursor)


async def open_rating_of_year(session: AsyncSession, studio: Studio, year: int) -> uuid.UUID | None:
    """A rating cycle of that year still running or won (a rejected one may be tried again)."""
    found: uuid.UUID | None = await session.scalar(
        select(StudioRating.id).where(
            StudioRating.studio_id == studio.id,
            StudioRating.year == year,
            StudioRating.state != "rejected",
        )
    )
    return found


# --- service activities ----------------------------------------------------------------------


# Built once, so that the statement using them is built once too (see shared.tenancy).
_ACTIVITY_OPTIONS = (selectinload(ServiceActivity.members),)


async def get_activity(
    session: AsyncSession, actor: Actor, activity_id: uuid.UUID
) -> ServiceActivity:
    return await get_scoped(
        session,
        ServiceActivity,
        actor,
        activity_id,
        options=_ACTIVITY_OPTIONS,
    )


async def activity_page(
    session: AsyncSession, actor: Actor, filters: dict[str, Any], *, limit: int, cursor: str | None
) -> Page[ServiceActivity]:
    filters = dict(filters)
    held_from, held_to = filters.pop("held_from", None), filters.pop("held_to", None)
    stmt = scoped(ServiceActivity, actor).options(selectinload(ServiceActivity.members))
    stmt = filtered(stmt, ServiceActivity, filters)
    if held_from is not None:
        stmt = stmt.where(ServiceActivity.held_on >= held_from)
    if held_to is not None:
        stmt = stmt.where(ServiceActivity.held_on <= held_to)
    return await paginate(session, stmt, ServiceActivity.id, limit=limit, cursor=cursor)


async def members_of(session: AsyncSession, actor: Actor, ids: list[uuid.UUID]) -> list[Member]:
    found = list((await session.scalars(scoped(Member, actor).where(Member.id.in_(ids)))).all())
    if len(found) != len(set(ids)):
        raise Invalid("member_ids: no such member.", loc=["body", "member_ids"])
    return found


# --- member cards and contact requests -------------------------------------------------------


async def public_member(session: AsyncSession, member_id: uuid.UUID) -> Member:
    """An active member, for the public card (whatever the organisation: the id is the key)."""
    member = await session.scalar(select(Member).where(Member.id == member_id, Member.active))
    if member is None:
        raise NotFound(f"No member card with id {member_id}.")
    return member


async def card_details(session: AsyncSession, member: Member) -> tuple[str | None, list[Studio]]:
    """The member's sector name and the active studios they are stationed in today."""
    sector = None
    if member.sector_id is not None:
        sector = await session.scalar(select(Sector.name).where(Sector.id == member.sector_id))
    on = await today(session, member.organisation_id)
    studios = await session.scalars(
        select(Studio)
        .join(StudioMembership, StudioMembership.studio_id == Studio.id)
        .where(
            StudioMembership.member_id == member.id,
            StudioMembership.since <= on,
            or_(StudioMembership.until.is_(None), StudioMembership.until >= on),
            Studio.active == true(),
        )
        .order_by(Studio.id)
        .distinct()
    )
    return sector, list(studios.all())


async def contacts_from(session: AsyncSession, client: str, window_start: Any) -> int:
    count = await session.scalar(
        select(func.count()).where(
            and_(ContactRequest.client == client, ContactRequest.created_at > window_start)
        )
    )
    return int(count or 0)


def _own_contacts(actor: Actor) -> Any:
    stmt = scoped(ContactRequest, actor)
    if actor.role is Role.member:
        stmt = stmt.where(ContactRequest.member_id == actor.member_id)
    return stmt


async def get_contact(session: AsyncSession, actor: Actor, contact_id: uuid.UUID) -> ContactRequest:
    """A member sees only requests left on their own card: another's is not found."""
    return await one(session, _own_contacts(actor), ContactRequest, contact_id)


async def contact_page(
    session: AsyncSession,
    actor: Actor,
    filters: dict[str, Any],
    *,
    limit: int,
    cursor: str | None,
) -> Page[ContactRequest]:
    stmt = filtered(_own_contacts(actor), ContactRequest, filters)
    return await paginate(session, stmt, ContactRequest.id, limit=limit, cursor=cursor)
