"""Who acts in the demo year, and the ids every block of it refers to.

The demo goes in through the same commands as the API, so each block needs the actors a request
would carry: the office (staff, leader), one handler per department, and members where only a
member may act (a convener's rating application, a member's own sign-in).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.auth import Actor, Role

ZONE = ZoneInfo("Asia/Shanghai")
YEAR = 2023


@dataclass
class Cast:
    """The organisation's actors and reference ids, filled by ``people`` and read by the rest."""

    organisation_id: uuid.UUID
    admin: Actor
    staff: Actor
    leader: Actor
    handlers: dict[str, Actor] = field(default_factory=dict)  # department name → its handler
    departments: dict[str, uuid.UUID] = field(default_factory=dict)
    sectors: dict[str, uuid.UUID] = field(default_factory=dict)
    committees: dict[str, uuid.UUID] = field(default_factory=dict)
    members: dict[str, uuid.UUID] = field(default_factory=dict)  # name → id, in seating order
    member_actors: dict[uuid.UUID, Actor] = field(default_factory=dict)  # members with a login
    experts: list[uuid.UUID] = field(default_factory=list)
    towns: dict[str, uuid.UUID] = field(default_factory=dict)
    villages: dict[str, list[uuid.UUID]] = field(default_factory=dict)  # town → its villages
    places: dict[uuid.UUID, tuple[str, float, float]] = field(default_factory=dict)
    platforms: dict[str, uuid.UUID] = field(default_factory=dict)
    studios: dict[str, uuid.UUID] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(YEAR))

    def member_ids(self) -> list[uuid.UUID]:
        return list(self.members.values())

    def as_member(self, member_id: uuid.UUID) -> Actor:
        """The member's own login when they have one (conveners, demo-member)."""
        return self.member_actors[member_id]


def actor_of(
    user_id: uuid.UUID,
    organisation_id: uuid.UUID,
    role: Role,
    label: str,
    *,
    department_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
) -> Actor:
    """The actor a login signs in as (what the API builds from its token)."""
    return Actor(
        id=user_id,
        organisation_id=organisation_id,
        role=role,
        label=label,
        department_id=department_id,
        member_id=member_id,
    )


def at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    """A session's start on a business day, in Yinzhou's time zone."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def spread(total: int, parts: int, rng: random.Random, jitter: float = 0.3) -> list[int]:
    """``total`` split into ``parts`` uneven shares that add up exactly (a headcount per session
    that sums to the article's figure)."""
    weights = [1 + rng.uniform(-jitter, jitter) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for index in rng.sample(range(parts), total - sum(shares)):
        shares[index] += 1
    return shares


def days_between(first: date, last: date, count: int) -> list[date]:
    """``count`` business days spread evenly from ``first`` to ``last`` (weekends moved to
    Friday: sessions are held on working days)."""
    span = (last - first).days
    days = []
    for index in range(count):
        day = date.fromordinal(first.toordinal() + span * index // max(count - 1, 1))
        while day.weekday() >= 5:
            day = date.fromordinal(day.toordinal() - 1)
        days.append(day)
    return days
