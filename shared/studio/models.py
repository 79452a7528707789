"""Studio context: the tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, Keyed, Tenant, Versioned
from shared.org.models import Member
from shared.workflow import Stateful


class Studio(Keyed, Tenant, Versioned, Base):
    """委员工作室 (studio) / 委员会客厅 (parlour) / 协商驿站 (post): a standing venue."""

    __tablename__ = "studios"
    __table_args__ = (
        CheckConstraint("kind IN ('studio','parlour','post')", name="kind"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="position"),
        # The service circle's bounding box: equality on the first two, a range on lat, and lon
        # checked inside the index, so a search reads a thin band however many studios exist.
        Index("ix_studios_circle", "organisation_id", "active", "lat", "lon"),
        Index("ix_studios_org_id", "organisation_id", "id"),
    )

    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("regions.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    convener_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id"), index=True
    )
    theme: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StudioMembership(Keyed, Tenant, Versioned, Base):
    """点对点进驻: a member stationed in a studio from ``since`` until ``until`` (inclusive)."""

    __tablename__ = "studio_memberships"
    __table_args__ = (
        CheckConstraint("until IS NULL OR until >= since", name="period"),
        Index("ix_studio_memberships_member", "member_id", "until"),
        # At most one open-ended stationing of a member in a studio (the command checks overlaps;
        # this is the backstop against two requests racing).
        Index(
            "uq_studio_memberships_open",
            "studio_id",
            "member_id",
            unique=True,
            postgresql_where=text("until IS NULL"),
            sqlite_where=text("until IS NULL"),
        ),
        Index("ix_studio_memberships_org_id", "organisation_id", "id"),
    )

    studio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("studios.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)


class StudioRating(Keyed, Tenant, Versioned, Stateful, Base):
    """星级评定: one yearly rating cycle of a studio (workflow ``studio_rating``)."""

    __tablename__ = "studio_ratings"
    __table_args__ = (
        CheckConstraint("stars IS NULL OR stars BETWEEN 1 AND 5", name="stars"),
        CheckConstraint("level IS NULL OR level IN ('province','city','district')", name="level"),
        Index("ix_studio_ratings_studio_year", "studio_id", "year"),
        Index("ix_studio_ratings_org_id", "organisation_id", "id"),
    )

    studio_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[str | None] = mapped_column(String(10))
    self_assessment: Mapped[str | None] = mapped_column(Text)
    awarded_at: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]


service_activity_members = Table(
    "service_activity_members",
    Base.metadata,
    Column(
        "activity_id", ForeignKey("service_activities.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
)


class ServiceActivity(Keyed, Tenant, Versioned, Base):
    """特色服务 / 界别服务周 / 委员小课堂 / 接待日 / 线上会商, with its public reach (人次)."""

    __tablename__ = "service_activities"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('featured_service','sector_service_week','lecture','reception_day',"
            "'online_meeting')",
            name="kind",
        ),
        CheckConstraint("public_reach >= 0", name="public_reach"),
        Index("ix_service_activities_org_held_on", "organisation_id", "held_on"),
        Index("ix_service_activities_org_id", "organisation_id", "id"),
    )

    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    studio_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("studios.id", ondelete="SET NULL"), index=True
    )
    sector_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sectors.id"))
    held_on: Mapped[date] = mapped_column(Date)
    public_reach: Mapped[int] = mapped_column(Integer, default=0)
    members: Mapped[list[Member]] = relationship(
        secondary=service_activity_members, lazy="raise", order_by=Member.id
    )

    @property
    def member_ids(self) -> list[uuid.UUID]:
        return [member.id for member in self.members]


class ContactRequest(Keyed, Tenant, Versioned, Stateful, Base):
    """A request left by the public on a member card (委员名片); workflow ``contact_request``."""

    __tablename__ = "contact_requests"
    __table_args__ = (
        Index("ix_contact_requests_member", "member_id", "id"),
        Index("ix_contact_requests_client_created", "client", "created_at"),
        Index("ix_contact_requests_org_id", "organisation_id", "id"),
        Index("ix_contact_requests_org_state_id", "organisation_id", "state", "id"),
    )

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200))
    # The sender's address, kept only for the rate limit; never shown.
    client: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(Text)
