"""Party building (党建) for the scorecard: branches per committee, partner organisations, joint
activities, theme tasks and the problems solved."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base, Keyed, Tenant, Versioned


class PartyBranch(Keyed, Tenant, Versioned, Base):
    """履职党支部: one per special committee."""

    __tablename__ = "party_branches"
    __table_args__ = (
        UniqueConstraint("organisation_id", "committee_id"),
        Index("ix_party_branches_org_id", "organisation_id", "id"),
    )
    name: Mapped[str] = mapped_column(String(200))
    committee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("committees.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PartyPartner(Keyed, Tenant, Versioned, Base):
    """A party organisation a branch has a friendly cooperation with (友好协作关系)."""

    __tablename__ = "party_partners"
    __table_args__ = (
        UniqueConstraint("branch_id", "name"),
        Index("ix_party_partners_org_id", "organisation_id", "id"),
    )
    branch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("party_branches.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str | None] = mapped_column(String(100))
    since: Mapped[date | None] = mapped_column(Date)


class JointActivity(Keyed, Tenant, Versioned, Base):
    """理论联学 (study) or 协商联议 (consultation) held with partners."""

    __tablename__ = "joint_activities"
    __table_args__ = (
        CheckConstraint("kind IN ('study','consultation')", name="kind"),
        CheckConstraint("party_member_participations >= 0", name="participations"),
        Index("ix_joint_activities_org_held_on", "organisation_id", "held_on"),
        Index("ix_joint_activities_org_id", "organisation_id", "id"),
    )
    branch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("party_branches.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    party_member_participations: Mapped[int] = mapped_column(Integer, default=0)


class ThemeTask(Keyed, Tenant, Versioned, Base):
    """One item of the theme-education task list (5个方面30项任务清单)."""

    __tablename__ = "theme_tasks"
    __table_args__ = (
        Index("ix_theme_tasks_org_year_id", "organisation_id", "year", "id"),
        Index("ix_theme_tasks_org_id", "organisation_id", "id"),
    )
    year: Mapped[int] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class ProblemSolved(Keyed, Tenant, Versioned, Base):
    """A problem the theme education helped solve (助力解决问题)."""

    __tablename__ = "problems_solved"
    __table_args__ = (
        Index("ix_problems_solved_org_solved_on", "organisation_id", "solved_on"),
        Index("ix_problems_solved_org_id", "organisation_id", "id"),
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    solved_on: Mapped[date] = mapped_column(Date)
    theme_task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("theme_tasks.id"))
