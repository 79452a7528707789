"""Consultation context: the changes to plans, campaigns, sessions and attendance (platforms and
campaigns are created with ``shared.crud``).

Plain async functions; the boundary commits. Suggestions are in ``suggestion_commands``, reports
and instructions in ``report_commands``.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit, crud, events
from shared.auth import Actor, Role
from shared.consultation import schemas as s
from shared.consultation.models import (
    Attendance,
    CalendarToken,
    Campaign,
    Consultation,
    Plan,
    Platform,
)
from shared.consultation.workflows import CONSULTATION
from shared.db import uuid7
from shared.errors import Conflict, Forbidden, Invalid
from shared.org.models import Committee, Expert, Member, Region
from shared.tenancy import ensure_reference, scoped
from shared.workflow import transition

# The article's platforms. The three new ones (2023) have no published yearly target.
DEFAULT_PLATFORMS: tuple[tuple[str, str, int | None], ...] = (
    ("请你来协商", "district", 10),
    ("民生议事堂", "town", 100),
    ("民情鄞聚站", "village", 500),
    ("政企协商", "district", None),
    ("政协商", "district", None),
    ("专家协商", "district", None),
)


async def create_default_platforms(session: AsyncSession, actor: Actor) -> None:
    """Every new organisation starts with the six platforms of the 115 architecture."""
    for name, level, target in DEFAULT_PLATFORMS:
        values = {"name": name, "level": level, "annual_target": target}
        await crud.create_row(session, actor, Platform, values)


async def _check_targets(session: AsyncSession, actor: Actor, targets: dict[Any, int]) -> None:
    for platform_id in targets:
        await ensure_reference(session, Platform, actor, platform_id, "targets")


async def create_plan(session: AsyncSession, actor: Actor, body: s.PlanCreate) -> Plan:
    await _check_targets(session, actor, body.targets)
    taken = await session.scalar(
        scoped(Plan, actor).where(Plan.year == body.year).with_only_columns(Plan.id)
    )
    if taken is not None:
        raise Conflict(f"There is already a plan for {body.year}.")
    return await crud.create_row(session, actor, Plan, body.model_dump(mode="json"))


async def update_plan(session: AsyncSession, actor: Actor, plan: Plan, body: s.PlanUpdate) -> Plan:
    if body.targets is not None:
        await _check_targets(session, actor, body.targets)
    values = body.model_dump(mode="json", exclude_unset=True)
    return await crud.update_row(session, actor, plan, values)


async def update_campaign(
    session: AsyncSession, actor: Actor, campaign: Campaign, values: dict[str, Any]
) -> Campaign:
    starts_on = values.get("starts_on", campaign.starts_on)
    if values.get("ends_on", campaign.ends_on) < starts_on:
        raise Invalid("ends_on is before starts_on.", loc=["body", "ends_on"])
    return await crud.update_row(session, actor, campaign, values)


# --- consultations ---------------------------------------------------------------------------


async def _platform(session: AsyncSession, actor: Actor, platform_id: uuid.UUID) -> Platform:
    platform = await session.scalar(scoped(Platform, actor).where(Platform.id == platform_id))
    if platform is None:
        raise Invalid("platform_id: no such platform.", loc=["body", "platform_id"])
    return platform


async def _check_consultation_refs(
    session: AsyncSession, actor: Actor, platform: Platform, values: dict[str, Any]
) -> None:
    """Town and village sessions happen in a region of their own level (镇街 / 村社)."""
    await ensure_reference(session, Campaign, actor, values.get("campaign_id"), "campaign_id")
    await ensure_reference(session, Committee, actor, values.get("committee_id"), "committee_id")
    region_id = values.get("region_id")
    if region_id is None:
        if platform.level != "district":
            raise Invalid(
                f"A {platform.level} platform needs region_id.", loc=["body", "region_id"]
            )
        return
    region = await session.scalar(scoped(Region, actor).where(Region.id == region_id))
    if region is None:
        raise Invalid("region_id: no such region.", loc=["body", "region_id"])
    if platform.level != "district" and region.level != platform.level:
        raise Invalid(
            f"A {platform.level} platform needs a {platform.level} region.",
            loc=["body", "region_id"],
        )


async def create_consultation(
    session: AsyncSession, actor: Actor, body: s.ConsultationCreate
) -> Consultation:
    values = body.model_dump()
    platform = await _platform(session, actor, body.platform_id)
    await _check_consultation_refs(session, actor, platform, values)
    consultation = Consultation(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        state=CONSULTATION.initial,
        principal_leader_attended=False,
        **values,
    )
    consultation.platform = platform
    session.add(consultation)
    await session.flush()
    await events.record_created(
        session, actor, "consultation", consultation, s.dump(values), state=consultation.state
    )
    return consultation


async def update_consultation(
    session: AsyncSession, actor: Actor, consultation: Consultation, body: s.ConsultationUpdate
) -> Consultation:
    """Details may change until the session is held; afterwards they are the record."""
    if consultation.state not in ("planned", "scheduled"):
        raise Conflict(f"A {consultation.state} consultation can no longer be edited.")
    values = body.model_dump(exclude_unset=True)
    merged = {
        field: values.get(field, getattr(consultation, field))
        for field in ("region_id", "campaign_id", "committee_id")
    }
    await _check_consultation_refs(session, actor, consultation.platform, merged)
    return await crud.update_row(session, actor, consultation, values)


async def move_consultation(
    session: AsyncSession, actor: Actor, consultation: Consultation, move: s.ConsultationMove
) -> Consultation:
    """``schedule`` (time and venue), ``hold`` (headcount, principal leaders), ``conclude``
    (freezes the suggestion list), ``cancel``."""
    changes: dict[str, Any] = {}
    if move.action == "schedule" and consultation.state == "planned":
        changes["scheduled_at"] = move.scheduled_at or consultation.scheduled_at
        changes["venue"] = move.venue or consultation.venue
        missing = [field for field, value in changes.items() if value is None]
        if missing:
            raise Invalid(f"Scheduling needs {' and '.join(missing)}.", loc=["body", missing[0]])
    elif move.action == "hold":
        changes["public_participants"] = move.public_participants
        changes["principal_leader_attended"] = bool(move.principal_leader_attended)
    elif move.action == "conclude" and move.minutes is not None:
        changes["minutes"] = move.minutes
    moved: Consultation = await transition(
        session,
        consultation,
        CONSULTATION,
        move.action,
        actor,
        comment=move.comment,
        changes=changes,
    )
    return moved


# --- attendance ------------------------------------------------------------------------------

SIGN_IN_STATES = ("scheduled", "held")
RECORDING_STATES = ("scheduled", "held", "concluded")


def _attendee(actor: Actor, body: s.AttendanceCreate) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Members and experts sign in only themselves (QR sign-in); staff record anyone."""
    if actor.role is Role.staff:
        if body.member_id is None and body.expert_id is None:
            raise Invalid("Give member_id or expert_id.", loc=["body"])
        return body.member_id, body.expert_id
    own_member = actor.member_id if actor.role is Role.member else None
    own_expert = actor.expert_id if actor.role is Role.expert else None
    claims_self = body.member_id in (None, own_member) and body.expert_id in (None, own_expert)
    if claims_self and (own_member or own_expert) is not None:
        return own_member, own_expert
    raise Forbidden("You may record only your own attendance.")


async def record_attendance(
    session: AsyncSession, actor: Actor, consultation: Consultation, body: s.AttendanceCreate
) -> Attendance:
    member_id, expert_id = _attendee(actor, body)
    states = RECORDING_STATES if actor.role is Role.staff else SIGN_IN_STATES
    if consultation.state not in states:
        raise Conflict(f"Attendance cannot be recorded on a {consultation.state} consultation.")
    await ensure_reference(session, Member, actor, member_id, "member_id")
    await ensure_reference(session, Expert, actor, expert_id, "expert_id")
    duplicate = await session.scalar(
        select(Attendance.id).where(
            Attendance.consultation_id == consultation.id,
            Attendance.member_id == member_id if member_id else Attendance.expert_id == expert_id,
        )
    )
    if duplicate is not None:
        raise Conflict("This attendance is already recorded.")
    attendance = Attendance(
        id=uuid7(),
        organisation_id=actor.organisation_id,
        consultation_id=consultation.id,
        member_id=member_id,
        expert_id=expert_id,
        recorded_by_id=actor.id,
    )
    session.add(attendance)
    await session.flush()
    audit.record(
        session,
        actor,
        entity_type="consultation",
        entity_id=consultation.id,
        action="attendance_recorded",
        changes={"member_id": member_id, "expert_id": expert_id},
    )
    return attendance


# --- calendar --------------------------------------------------------------------------------


async def issue_calendar_token(session: AsyncSession, actor: Actor) -> CalendarToken:
    """A new personal calendar token; the previous one stops working (rotation)."""
    if actor.id is None or actor.role is Role.integrator:
        raise Forbidden("Only a person's login has a calendar.")
    token = await session.scalar(select(CalendarToken).where(CalendarToken.user_id == actor.id))
    secret = secrets.token_urlsafe(32)
    if token is None:
        token = CalendarToken(
            id=uuid7(), organisation_id=actor.organisation_id, user_id=actor.id, token=secret
        )
        session.add(token)
    else:
        token.token = secret
    await session.flush()
    audit.record(session, actor, entity_type="calendar_token", entity_id=token.id, action="issued")
    return token
