"""Consultation context (协商): platforms of the 115 tiers, plans, campaigns, sessions, attendance,
suggestions and their adoption, reports (专报), leaders' instructions (批示) and their tasks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, Keyed, Tenant, Versioned
from shared.org.models import Department
from shared.workflow import Stateful

# Adoption classes a staff member may give a responded suggestion (吸收采纳情况).
ADOPTION_CLASSES = ("adopted", "partially_adopted", "planned", "for_reference", "not_adopted")
# "Adopted" (被吸收采纳) in the scorecard's sense, domain.md §3.3.
ADOPTED_STATES = ("adopted", "partially_adopted", "planned", "implemented", "verified")
# A suggestion in one of these needs nothing more before its consultation may close.
FINAL_SUGGESTION_STATES = (*ADOPTION_CLASSES, "implemented", "verified", "merged", "converted")


class Platform(Keyed, Tenant, Versioned, Base):
    """协商平台: 请你来协商 (district), 民生议事堂 (town), 民情鄞聚站 (village) and the new ones."""

    __tablename__ = "platforms"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("level IN ('district','town','village')", name="level"),
        CheckConstraint("annual_target IS NULL OR annual_target >= 0", name="annual_target"),
        Index("ix_platforms_org_id", "organisation_id", "id"),
    )
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    annual_target: Mapped[int | None] = mapped_column(Integer)


class Plan(Keyed, Tenant, Versioned, Base):
    """年度协商计划: the year's topics and per-platform targets."""

    __tablename__ = "consultation_plans"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year"),
        Index("ix_consultation_plans_org_id", "organisation_id", "id"),
    )
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    # platform id (as text) → number of sessions planned on it that year
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Campaign(Keyed, Tenant, Versioned, Base):
    """专题协商活动: a time-boxed series of consultations (民生议事助首善)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("ends_on >= starts_on", name="period"),
        Index("ix_campaigns_org_id", "organisation_id", "id"),
    )
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class Consultation(Keyed, Tenant, Versioned, Stateful, Base):
    """协商活动: one session on a platform."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("public_participants IS NULL OR public_participants >= 0", name="public"),
        Index("ix_consultations_org_scheduled_at", "organisation_id", "scheduled_at"),
        Index("ix_consultations_org_state_id", "organisation_id", "state", "id"),
        Index("ix_consultations_org_platform_id", "organisation_id", "platform_id", "id"),
        Index("ix_consultations_org_campaign_id", "organisation_id", "campaign_id", "id"),
        # Trigram indexes make ILIKE '%…%' searches (Chinese included) indexable on PostgreSQL;
        # on SQLite they are plain indexes that the search does not use.
        Index(
            "ix_consultations_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        Index(
            "ix_consultations_topic_trgm",
            "topic",
            postgresql_using="gin",
            postgresql_ops={"topic": "gin_trgm_ops"},
        ),
        Index("ix_consultations_org_id", "organisation_id", "id"),
    )
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(Text)
    platform_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("platforms.id"))
    region_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("regions.id"))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("campaigns.id"))
    committee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("committees.id"))
    scheduled_at: Mapped[datetime | None]
    venue: Mapped[str | None] = mapped_column(String(200))
    public_participants: Mapped[int | None] = mapped_column(Integer)
    principal_leader_attended: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[Platform] = relationship(lazy="raise")

    @property
    def level(self) -> str:
        return self.platform.level


class Attendance(Keyed, Tenant, Versioned, Base):
    """One member's or one expert's presence at a session (counted in person-times, 人次)."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("consultation_id", "member_id"),
        UniqueConstraint("consultation_id", "expert_id"),
        CheckConstraint("(member_id IS NULL) <> (expert_id IS NULL)", name="one_attendee"),
        Index("ix_attendances_member_id", "member_id"),
        Index("ix_attendances_org_id", "organisation_id", "id"),
    )
    consultation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    expert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("experts.id"))
    recorded_by_id: Mapped[uuid.UUID | None]


suggestion_departments = Table(
    "suggestion_departments",
    Base.metadata,
    Column("suggestion_id", ForeignKey("suggestions.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_suggestion_departments_department", "department_id", "suggestion_id"),
)


class SuggestionResponse(Keyed, Tenant, Versioned, Base):
    """A forwarded department's answer, proposing an adoption class."""

    __tablename__ = "suggestion_responses"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "department_id"),
        Index("ix_suggestion_responses_org_id", "organisation_id", "id"),
    )
    suggestion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("suggestions.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    text: Mapped[str] = mapped_column(Text)
    proposed_class: Mapped[str] = mapped_column(String(30))
    responded_by_id: Mapped[uuid.UUID | None]


class Suggestion(Keyed, Tenant, Versioned, Stateful, Base):
    """意见建议: one recommendation of a consultation, followed until adopted and verified."""

    __tablename__ = "suggestions"
    __table_args__ = (
        CheckConstraint(
            "proposer_kind IN ('member','expert','public','department')", name="proposer_kind"
        ),
        Index("ix_suggestions_org_state_id", "organisation_id", "state", "id"),
        Index("ix_suggestions_consultation_state", "consultation_id", "state"),
        Index("ix_suggestions_org_id", "organisation_id", "id"),
    )
    consultation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE")
    )
    content: Mapped[str] = mapped_column(Text)
    proposer_kind: Mapped[str] = mapped_column(String(20))
    proposer_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id"), index=True
    )
    proposer_expert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("experts.id"))
    adoption_class: Mapped[str | None] = mapped_column(String(30))
    response_due_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("suggestions.id"))
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reports.id"), index=True)
    created_by_id: Mapped[uuid.UUID | None]
    departments: Mapped[list[Department]] = relationship(
        secondary=suggestion_departments, lazy="raise", order_by=Department.id
    )
    responses: Mapped[list[SuggestionResponse]] = relationship(
        lazy="raise", order_by=SuggestionResponse.id
    )

    @property
    def department_ids(self) -> list[uuid.UUID]:
        return [department.id for department in self.departments]


report_consultations = Table(
    "report_consultations",
    Base.metadata,
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("consultation_id", ForeignKey("consultations.id"), primary_key=True),
    Index("ix_report_consultations_consultation", "consultation_id", "report_id"),
)


class Report(Keyed, Tenant, Versioned, Stateful, Base):
    """政协专报 / 调研报告 / 协商综述, sent to the district Party committee and government."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('special_report','research_report','consultation_summary')", name="kind"
        ),
        Index("ix_reports_org_id", "organisation_id", "id"),
    )
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    submitted_on: Mapped[date | None] = mapped_column(Date, index=True)
    consultations: Mapped[list[Consultation]] = relationship(
        secondary=report_consultations, lazy="raise", order_by=Consultation.id
    )

    @property
    def consultation_ids(self) -> list[uuid.UUID]:
        return [consultation.id for consultation in self.consultations]


class Instruction(Keyed, Tenant, Versioned, Base):
    """批示: a leader's directive on a report, assigning departments."""

    __tablename__ = "instructions"
    __table_args__ = (
        CheckConstraint("leader_tier IN ('principal','other')", name="leader_tier"),
        Index("ix_instructions_org_id", "organisation_id", "id"),
    )
    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    leader_name: Mapped[str] = mapped_column(String(100))
    leader_tier: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    instructed_on: Mapped[date] = mapped_column(Date)
    department_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class InstructionTask(Keyed, Tenant, Versioned, Stateful, Base):
    """One department's duty arising from an instruction."""

    __tablename__ = "instruction_tasks"
    __table_args__ = (
        UniqueConstraint("instruction_id", "department_id"),
        Index("ix_instruction_tasks_department", "department_id", "id"),
        Index("ix_instruction_tasks_org_id", "organisation_id", "id"),
        Index("ix_instruction_tasks_org_state_id", "organisation_id", "state", "id"),
    )
    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    instruction_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("instructions.id", ondelete="CASCADE")
    )
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    due_at: Mapped[datetime]
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None]


class CalendarToken(Keyed, Tenant, Versioned, Base):
    """A personal secret to subscribe to the sessions calendar by URL (phones send no headers)."""

    __tablename__ = "calendar_tokens"
    __table_args__ = (Index("ix_calendar_tokens_org_id", "organisation_id", "id"),)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
