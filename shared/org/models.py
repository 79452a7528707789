"""Organisation context: the tenant, its people and the reference data every context uses."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    Interval,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, Keyed, Tenant, Versioned


class Organisation(Keyed, Versioned, Base):
    """区政协: the tenant. Its settings are the defaults of every deadline ladder."""

    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    reminder_before: Mapped[timedelta] = mapped_column(Interval, default=timedelta(days=7))
    escalation_after: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["P7D", "P30D", "P60D"]
    )
    evaluation_reminder_after: Mapped[timedelta] = mapped_column(
        Interval, default=timedelta(days=15)
    )
    suggestion_response_window: Mapped[timedelta] = mapped_column(
        Interval, default=timedelta(days=30)
    )
    task_window: Mapped[timedelta] = mapped_column(Interval, default=timedelta(days=30))
    rating_reminder_before: Mapped[timedelta] = mapped_column(Interval, default=timedelta(days=30))
    # Proposals (domain.md §6): ISO 8601 periods, months on the organisation's calendar.
    proposal_reply_window: Mapped[str] = mapped_column(String(20), default="P3M")
    proposal_max_reply_window: Mapped[str] = mapped_column(String(20), default="P6M")
    return_window: Mapped[str] = mapped_column(String(20), default="P7D")
    co_opinion_before: Mapped[str] = mapped_column(String(20), default="P1M")
    evaluation_window: Mapped[str] = mapped_column(String(20), default="P30D")
    follow_up_window: Mapped[str] = mapped_column(String(20), default="P6M")
    proposal_max_rounds: Mapped[int] = mapped_column(Integer, default=2)


class User(Keyed, Tenant, Versioned, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin','staff','leader','member','expert','department','auditor')",
            name="role",
        ),
        Index("ix_users_org_id", "organisation_id", "id"),
    )

    # Unique across the platform: one login page serves every organisation.
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    expert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("experts.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped when the password, role (or its links) or active flag changes; access tokens carry
    # the epoch they were issued in and stop working once it moves on (shared.org.sessions).
    auth_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Sector(Keyed, Tenant, Versioned, Base):
    """界别."""

    __tablename__ = "sectors"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        Index("ix_sectors_org_id", "organisation_id", "id"),
    )
    name: Mapped[str] = mapped_column(String(100))


class Committee(Keyed, Tenant, Versioned, Base):
    """专委会."""

    __tablename__ = "committees"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        Index("ix_committees_org_id", "organisation_id", "id"),
    )
    name: Mapped[str] = mapped_column(String(100))


class Department(Keyed, Tenant, Versioned, Base):
    """承办单位 / 职能部门."""

    __tablename__ = "departments"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        Index("ix_departments_org_id", "organisation_id", "id"),
    )
    name: Mapped[str] = mapped_column(String(200))


class Region(Keyed, Tenant, Versioned, Base):
    """镇街 (town) or 村社 (village), with its centre point."""

    __tablename__ = "regions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "parent_id", "name"),
        CheckConstraint("level IN ('town','village')", name="level"),
        Index("ix_regions_org_id", "organisation_id", "id"),
    )
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("regions.id"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


member_committees = Table(
    "member_committees",
    Base.metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("committee_id", ForeignKey("committees.id", ondelete="CASCADE"), primary_key=True),
)


class Member(Keyed, Tenant, Versioned, Base):
    """委员."""

    __tablename__ = "members"
    __table_args__ = (
        Index("ix_members_org_sector_id", "organisation_id", "sector_id", "id"),
        Index("ix_members_org_id", "organisation_id", "id"),
    )
    name: Mapped[str] = mapped_column(String(100))
    sector_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sectors.id"))
    standing: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(40))
    bio: Mapped[str | None] = mapped_column(Text)
    photo_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    committees: Mapped[list[Committee]] = relationship(
        secondary=member_committees, lazy="raise", order_by=Committee.id
    )

    @property
    def committee_ids(self) -> list[uuid.UUID]:
        return [committee.id for committee in self.committees]


class Expert(Keyed, Tenant, Versioned, Base):
    """专家 (应用型智库), by field and batch."""

    __tablename__ = "experts"
    __table_args__ = (Index("ix_experts_org_id", "organisation_id", "id"),)
    name: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(100))
    batch: Mapped[int] = mapped_column(default=1)
    affiliation: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiKey(Keyed, Tenant, Versioned, Base):
    """An integrator's key: stored hashed, shown once."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_org_id", "organisation_id", "id"),)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RefreshToken(Keyed, Base):
    """One refresh token of a login's chain (its family): stored as a SHA-256 digest, used once.
    Presenting a used one again means it leaked, and revokes the whole family."""

    __tablename__ = "refresh_tokens"
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginFailure(Keyed, Base):
    """Failed logins, for the rate limit; kept in the database so every API replica agrees."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_at", "username", "at"),)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]
