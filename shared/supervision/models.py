"""Supervision context (民主监督): topics, cases, per-round feedback and evaluations."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Interval,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, Keyed, Tenant, Versioned
from shared.org.models import Department
from shared.workflow import Stateful

topic_departments = Table(
    "supervision_topic_departments",
    Base.metadata,
    Column("topic_id", ForeignKey("supervision_topics.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
)

case_departments = Table(
    "supervision_case_departments",
    Base.metadata,
    Column("case_id", ForeignKey("supervision_cases.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
    # A department's own list starts from its department id.
    Index("ix_supervision_case_departments_department", "department_id", "case_id"),
)


class SupervisionTopic(Keyed, Tenant, Versioned, Stateful, Base):
    """专项集体民主监督: a yearly subject whose settings govern its cases."""

    __tablename__ = "supervision_topics"
    __table_args__ = (
        CheckConstraint("kind IN ('special_collective','proposal','follow_up')", name="kind"),
        CheckConstraint("max_rounds >= 1", name="max_rounds"),
        Index("ix_supervision_topics_org_year_id", "organisation_id", "year", "id"),
        Index("ix_supervision_topics_org_id", "organisation_id", "id"),
    )

    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    lead_committee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("committees.id"))
    feedback_window: Mapped[timedelta] = mapped_column(Interval)
    follow_up_after: Mapped[timedelta | None] = mapped_column(Interval)
    max_rounds: Mapped[int] = mapped_column(Integer)
    # 先协商后监督: the consultation this topic follows up; the topic becomes active once that
    # consultation concludes (``automations.follow_up_concluded_consultation``).
    consultation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL"), index=True
    )
    departments: Mapped[list[Department]] = relationship(
        secondary=topic_departments, lazy="raise", order_by=Department.id
    )

    @property
    def department_ids(self) -> list[uuid.UUID]:
        return [department.id for department in self.departments]


class SupervisionCase(Keyed, Tenant, Versioned, Stateful, Base):
    """监督事项: one issue and recommendation, answered by its responsible departments."""

    __tablename__ = "supervision_cases"
    __table_args__ = (
        Index("ix_supervision_cases_org_state", "organisation_id", "state", "id"),
        Index("ix_supervision_cases_topic", "topic_id", "id"),
        Index(
            "ix_supervision_cases_overdue",
            "organisation_id",
            "id",
            postgresql_where=text("overdue"),
            sqlite_where=text("overdue"),
        ),
        Index("ix_supervision_cases_org_id", "organisation_id", "id"),
    )

    topic_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_topics.id"))
    title: Mapped[str] = mapped_column(String(200))
    issue: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer, default=1)
    feedback_due_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # 回头看: at most one follow-up per closed case, so a repeated timer cannot make a second.
    follow_up_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("supervision_cases.id"), unique=True
    )
    departments: Mapped[list[Department]] = relationship(
        secondary=case_departments, lazy="raise", order_by=Department.id
    )

    @property
    def department_ids(self) -> list[uuid.UUID]:
        return [department.id for department in self.departments]


class SupervisionFeedback(Keyed, Tenant, Versioned, Base):
    """部门反馈: one answer per responsible department per round."""

    __tablename__ = "supervision_feedback"
    __table_args__ = (
        UniqueConstraint("case_id", "round", "department_id"),
        CheckConstraint(
            "completion IN ('done','in_progress','planned','cannot')", name="completion"
        ),
        Index("ix_supervision_feedback_org_id", "organisation_id", "id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("supervision_cases.id", ondelete="CASCADE")
    )
    round: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    text: Mapped[str] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    completion: Mapped[str] = mapped_column(String(20))
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class SupervisionEvaluation(Keyed, Tenant, Versioned, Base):
    """政协评价: one rating of the departments' answers per round."""

    __tablename__ = "supervision_evaluations"
    __table_args__ = (
        UniqueConstraint("case_id", "round"),
        CheckConstraint(
            "rating IN ('satisfied','basically_satisfied','unsatisfied')", name="rating"
        ),
        Index("ix_supervision_evaluations_org_id", "organisation_id", "id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("supervision_cases.id", ondelete="CASCADE")
    )
    round: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    evaluated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
