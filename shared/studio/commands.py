"""Studio context: the changes. Plain async functions; the boundary commits.

Member cards and their contact requests are in ``cards.py``."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, clock, events
from shared.auth import Actor, Role
from shared.db import Base, uuid7
from shared.errors import Conflict, Forbidden, Invalid, InvalidTransition
from shared.org.models import Member, Organisation, Region, Sector
from shared.studio import deadlines, queries
from shared.studio.models import (
    ServiceActivity,
    Studio,
    StudioMembership,
    StudioRating,
)
from shared.studio.workflows import STUDIO_RATING
from shared.tenancy import ensure_reference
from shared.workflow import check_move, note, transition

_STUDIO_REFERENCES: dict[str, type[Base]] = {
    "region_id": Region,
    "convener_member_id": Member,
}


def require_convener(actor: Actor, studio: Studio) -> None:
    """A member acts on a studio only as its convener (召集人); office roles act on any."""
    if actor.role is Role.member and (
        actor.member_id is None or studio.convener_member_id != actor.member_id
    ):
        raise Forbidden("Only the studio's convener may do this.")


async def _check(
    session: AsyncSession, actor: Actor, refs: dict[str, type[Base]], values: dict[str, Any]
) -> None:
    for field, model in refs.items():
        await ensure_reference(session, model, actor, values.get(field), field)


async def studio_event(
    session: AsyncSession, studio: Studio, event: str, fields: dict[str, Any]
) -> None:
    """Emit ``studio.<event>``; the studio's row is locked first, so its sequence is race-free."""
    await session.execute(select(Studio.id).where(Studio.id == studio.id).with_for_update())
    await events.emit(
        session,
        organisation_id=studio.organisation_id,
        type=f"studio.{event}",
        subject_type="studio",
        subject_id=studio.id,
        **fields,
    )


# --- studios ---------------------------------------------------------------------------------


async def create_studio(session: AsyncSession, actor: Actor, values: dict[str, Any]) -> Studio:
    """Open a studio, parlour or post (office roles)."""
    await _check(session, actor, _STUDIO_REFERENCES, values)
    studio = Studio(id=uuid7(), organisation_id=actor.organisation_id, **values)
    session.add(studio)
    await session.flush()
    audit.record(
        session, actor, entity_type="studio", entity_id=studio.id, action="created", changes=values
    )
    await studio_event(session, studio, "created", values)
    return studio


async def update_studio(
    session: AsyncSession, actor: Actor, studio: Studio, values: dict[str, Any]
) -> Studio:
    await _check(session, actor, _STUDIO_REFERENCES, values)
    for field, value in values.items():
        setattr(studio, field, value)
    studio.updated_at = clock.now()
    await session.flush()
    audit.record(
        session, actor, entity_type="studio", entity_id=studio.id, action="updated", changes=values
    )
    await studio_event(session, studio, "updated", values)
    return studio


# --- memberships -----------------------------------------------------------------------------


async def _refuse_overlap(session: AsyncSession, membership: StudioMembership) -> None:
    clash = await queries.overlapping_membership(session, membership)
    if clash is not None:
        raise Conflict(
            "The member is already stationed in this studio for that period.",
            membership_id=str(clash),
        )


async def add_membership(
    session: AsyncSession, actor: Actor, studio: Studio, values: dict[str, Any]
) -> StudioMembership:
    """Station a member in a studio (点对点进驻); an overlapping stationing is a 409."""
    require_convener(actor, studio)
    await ensure_reference(session, Member, actor, values["member_id"], "member_id")
    since = values.get("since") or await queries.today(session, actor.organisation_id)
    membership = StudioMembership(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        studio_id=studio.id,
        member_id=values["member_id"],
        since=since,
        until=values.get("until"),
    )
    if membership.until is not None and membership.until < since:
        raise Invalid("until must not be before since.", loc=["body", "until"])
    await _refuse_overlap(session, membership)
    session.add(membership)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="studio_membership",
        entity_id=membership.id,
        action="created",
        changes={"studio_id": studio.id, "member_id": membership.member_id, "since": since},
    )
    return membership


async def update_membership(
    session: AsyncSession,
    actor: Actor,
    studio: Studio,
    membership: StudioMembership,
    values: dict[str, Any],
) -> StudioMembership:
    """Change a stationing's period; setting ``until`` ends it."""
    require_convener(actor, studio)
    for field, value in values.items():
        setattr(membership, field, value)
    if membership.until is not None and membership.until < membership.since:
        raise Invalid("until must not be before since.", loc=["body", "until"])
    await _refuse_overlap(session, membership)
    membership.updated_at = clock.now()
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="studio_membership",
        entity_id=membership.id,
        action="updated",
        changes=values,
    )
    return membership


async def remove_membership(
    session: AsyncSession, actor: Actor, studio: Studio, membership: StudioMembership
) -> None:
    """Delete a stationing recorded by mistake (an ended one keeps its ``until`` instead)."""
    require_convener(actor, studio)
    await session.delete(membership)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="studio_membership",
        entity_id=membership.id,
        action="deleted",
    )


# --- service activities ----------------------------------------------------------------------


async def _activity_studio(
    session: AsyncSession, actor: Actor, studio_id: uuid.UUID | None
) -> None:
    """A member records activities only for a studio they convene."""
    if studio_id is None:
        if actor.role is Role.member:
            raise Forbidden("A member records service activities of a studio they convene.")
        return
    await ensure_reference(session, Studio, actor, studio_id, "studio_id")
    if actor.role is Role.member:
        require_convener(actor, await queries.get_studio(session, actor, studio_id))


async def create_activity(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> ServiceActivity:
    """Record a featured service, sector service week, lecture, reception day or online meeting."""
    values = dict(values)
    await _activity_studio(session, actor, values.get("studio_id"))
    await ensure_reference(session, Sector, actor, values.get("sector_id"), "sector_id")
    member_ids = values.pop("member_ids")
    activity = ServiceActivity(id=uuid7(), organisation_id=actor.organisation_id, **values)
    activity.members = await queries.members_of(session, actor, member_ids)
    session.add(activity)
    await session.flush()
    changes = {**values, "member_ids": member_ids}
    await events.record_created(session, actor, "service_activity", activity, changes)
    return activity


async def update_activity(
    session: AsyncSession, actor: Actor, activity: ServiceActivity, values: dict[str, Any]
) -> ServiceActivity:
    values = dict(values)
    await _activity_studio(session, actor, activity.studio_id)
    if "studio_id" in values:
        await _activity_studio(session, actor, values["studio_id"])
    await ensure_reference(session, Sector, actor, values.get("sector_id"), "sector_id")
    member_ids = values.pop("member_ids", None)
    for field, value in values.items():
        setattr(activity, field, value)
    if member_ids is not None:
        activity.members = await queries.members_of(session, actor, member_ids)
    activity.updated_at = clock.now()
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="service_activity",
        entity_id=activity.id,
        action="updated",
        changes={**values, **({"member_ids": member_ids} if member_ids is not None else {})},
    )
    return activity


async def remove_activity(session: AsyncSession, actor: Actor, activity: ServiceActivity) -> None:
    await _activity_studio(session, actor, activity.studio_id)
    await session.delete(activity)
    await session.flush()
    audit.record(
        session, actor, entity_type="service_activity", entity_id=activity.id, action="deleted"
    )


# --- ratings ---------------------------------------------------------------------------------


async def create_rating(
    session: AsyncSession, actor: Actor, studio: Studio, values: dict[str, Any]
) -> StudioRating:
    """Open a year's rating cycle in ``draft`` (the convener's self-assessment, or the office)."""
    require_convener(actor, studio)
    if await queries.open_rating_of_year(session, studio, values["year"]) is not None:
        raise Conflict(f"The studio already has a {values['year']} rating under way or awarded.")
    rating = StudioRating(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        studio_id=studio.id,
        state=STUDIO_RATING.initial,
        state_changed_at=clock.now(),
        **values,
    )
    session.add(rating)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type=STUDIO_RATING.name,
        entity_id=rating.id,
        action="created",
        to_state=rating.state,
        changes=values,
    )
    return rating


def _check_award(actor: Actor, rating: StudioRating, level: str) -> None:
    """District review ends in a district award by a leader; upper review records the
    province's or city's award."""
    if rating.state == "district_review":
        if actor.role is not Role.leader:
            raise InvalidTransition(
                "Only a leader awards from district review; staff recommend upward.",
                state=rating.state,
                allowed_actions=STUDIO_RATING.allowed(rating.state, actor),
            )
        if level != "district":
            raise Invalid(
                "From district review the award is at district level.", loc=["body", "level"]
            )
    elif rating.state == "upper_review" and level == "district":
        raise Invalid("An upper review records a province or city award.", loc=["body", "level"])


async def act_on_rating(
    session: AsyncSession, actor: Actor, rating: StudioRating, body: dict[str, Any]
) -> StudioRating:
    """``submit`` (the convener), ``recommend``, ``award`` or ``reject`` (the office)."""
    require_convener(actor, await queries.get_studio(session, actor, rating.studio_id))
    action, comment = body["action"], body.get("comment")
    if action != "award":
        moved: StudioRating = await transition(
            session, rating, STUDIO_RATING, action, actor, comment=comment
        )
        return moved
    await check_move(session, rating, STUDIO_RATING, "award", actor)
    _check_award(actor, rating, body["level"])
    return await _award(session, actor, rating, body)


async def _award(
    session: AsyncSession, actor: Actor, rating: StudioRating, body: dict[str, Any]
) -> StudioRating:
    organisation = await session.get(Organisation, rating.organisation_id)
    assert organisation is not None  # rows cascade away with their organisation
    default_end = clock.year_bounds(rating.year + 1, organisation.timezone)[1]
    valid_until = clock.as_utc(body.get("valid_until") or default_end)
    changes = {
        "stars": body["stars"],
        "level": body["level"],
        "awarded_at": clock.now(),
        "valid_until": valid_until,
    }
    await transition(
        session, rating, STUDIO_RATING, "award", actor, comment=body.get("comment"), changes=changes
    )
    deadlines.arm(session, rating, organisation)
    studio = await session.get(Studio, rating.studio_id)
    assert studio is not None
    await studio_event(
        session,
        studio,
        "rating_awarded",
        {
            "rating_id": rating.id,
            "year": rating.year,
            "stars": rating.stars,
            "level": rating.level,
            "valid_until": valid_until,
        },
    )
    return rating


async def expire_rating(session: AsyncSession, rating: StudioRating) -> None:
    """The worker's move at ``valid_until``: the rating no longer counts as current."""
    actor = Actor.system(rating.organisation_id)
    await deadlines.void_reminder(session, rating)
    await transition(session, rating, STUDIO_RATING, "expire", actor)
    studio = await session.get(Studio, rating.studio_id)
    if studio is not None:
        await studio_event(
            session, studio, "rating_expired", {"rating_id": rating.id, "year": rating.year}
        )


async def remind_rating_expiry(session: AsyncSession, rating: StudioRating) -> None:
    """Tell the office (and integrators) that an award runs out soon: time to apply again."""
    await note(
        session,
        rating,
        STUDIO_RATING,
        "expiry_reminder",
        Actor.system(rating.organisation_id),
        valid_until=rating.valid_until,
    )
