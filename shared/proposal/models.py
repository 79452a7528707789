"""Proposals context (提案): proposals, their signers, per-unit assignments, replies, co-handlers'
opinions and the per-organisation, per-year number counter."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, Keyed, Tenant, Versioned
from shared.workflow import Stateful

CATEGORIES = (
    "economy",
    "urban_rural",
    "education_culture_health",
    "society_law",
    "agriculture",
    "other",
)
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class ProposalSigner(Keyed, Tenant, Versioned, Base):
    """A co-signer (联名) of a member's proposal; the lead signer is the proposal's member."""

    __tablename__ = "proposal_signers"
    __table_args__ = (
        UniqueConstraint("proposal_id", "member_id"),
        CheckConstraint(_one_of("status", ("pending", "confirmed", "declined")), name="status"),
        # "The proposals I sign" starts from the member.
        Index("ix_proposal_signers_member", "member_id", "proposal_id"),
        Index("ix_proposal_signers_org_id", "organisation_id", "id"),
    )

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    order: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime | None]


class Proposal(Keyed, Tenant, Versioned, Stateful, Base):
    """提案: a member's (with co-signers) or a committee's, sector's or party's proposal."""

    __tablename__ = "proposals"
    __table_args__ = (
        # 提案号: never two alike in one organisation.
        UniqueConstraint("organisation_id", "number"),
        CheckConstraint(_one_of("category", CATEGORIES), name="category"),
        CheckConstraint(_one_of("kind", ("session", "interim")), name="kind"),
        CheckConstraint(
            _one_of("proposer_kind", ("member", "committee", "sector", "party")),
            name="proposer_kind",
        ),
        CheckConstraint(
            "conversion IS NULL OR "
            + _one_of("conversion", ("social_information", "suggestion", "department_reference")),
            name="conversion",
        ),
        CheckConstraint(
            "reply_class IS NULL OR " + _one_of("reply_class", ("A", "B", "C", "D")),
            name="reply_class",
        ),
        Index("ix_proposals_org_state", "organisation_id", "state", "id"),
        Index("ix_proposals_org_year", "organisation_id", "year", "id"),
        Index("ix_proposals_lead_member", "lead_member_id", "id"),
        Index("ix_proposals_org_id", "organisation_id", "id"),
    )

    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))
    proposer_kind: Mapped[str] = mapped_column(String(20))
    lead_member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    proposer_name: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime | None]
    filed_on: Mapped[date | None]
    not_filed_reason: Mapped[str | None] = mapped_column(Text)
    conversion: Mapped[str | None] = mapped_column(String(30))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("proposals.id"))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_leader: Mapped[str | None] = mapped_column(String(100))
    urging_leader: Mapped[str | None] = mapped_column(String(100))
    reply_due_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_class: Mapped[str | None] = mapped_column(String(1))
    follow_up_due_at: Mapped[datetime | None]
    follow_up_open: Mapped[bool] = mapped_column(Boolean, default=False)
    process_rating: Mapped[str | None] = mapped_column(String(30))
    result_rating: Mapped[str | None] = mapped_column(String(30))
    evaluation_comment: Mapped[str | None] = mapped_column(Text)
    evaluated_at: Mapped[datetime | None]
    evaluated_on_paper: Mapped[bool | None] = mapped_column(Boolean)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    signers: Mapped[list[ProposalSigner]] = relationship(
        lazy="raise", order_by=ProposalSigner.order, cascade="all, delete-orphan"
    )

    @property
    def evaluation(self) -> dict[str, object] | None:
        if self.evaluated_at is None:
            return None
        return {
            "process_rating": self.process_rating,
            "result_rating": self.result_rating,
            "comment": self.evaluation_comment,
            "at": self.evaluated_at,
            "on_paper": bool(self.evaluated_on_paper),
        }


class ProposalAssignment(Keyed, Tenant, Versioned, Stateful, Base):
    """交办: one unit's part in handling a proposal, lead (主办) or co-handler (协办)."""

    __tablename__ = "proposal_assignments"
    __table_args__ = (
        CheckConstraint(_one_of("role", ("lead", "co")), name="role"),
        # A department's own list starts from its department id.
        Index("ix_proposal_assignments_department", "department_id", "state", "id"),
        Index("ix_proposal_assignments_proposal", "proposal_id", "id"),
        Index("ix_proposal_assignments_org_id", "organisation_id", "id"),
        Index(
            "ix_proposal_assignments_overdue",
            "organisation_id",
            "id",
            postgresql_where=text("overdue"),
            sqlite_where=text("overdue"),
        ),
    )

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(10))
    round: Mapped[int] = mapped_column(Integer, default=1)
    assigned_at: Mapped[datetime]
    reply_due_at: Mapped[datetime | None]
    opinion_due_at: Mapped[datetime | None]
    return_deadline: Mapped[datetime | None]
    extension_until: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)


class ProposalReply(Keyed, Tenant, Versioned, Base):
    """答复: the lead unit's reply of one round (``final``: the follow-up's final reply)."""

    __tablename__ = "proposal_replies"
    __table_args__ = (
        UniqueConstraint("assignment_id", "round", "final"),
        CheckConstraint(_one_of("reply_class", ("A", "B", "C", "D")), name="reply_class"),
        Index("ix_proposal_replies_proposal", "proposal_id", "id"),
        Index("ix_proposal_replies_org_id", "organisation_id", "id"),
    )

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proposal_assignments.id", ondelete="CASCADE")
    )
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    round: Mapped[int] = mapped_column(Integer)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_class: Mapped[str] = mapped_column(String(1))
    text: Mapped[str] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(100))
    face_to_face_on: Mapped[date | None]
    replied_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ProposalOpinion(Keyed, Tenant, Versioned, Base):
    """协办意见: a co-handler's opinion of one round, for the lead unit."""

    __tablename__ = "proposal_opinions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "round"),
        Index("ix_proposal_opinions_proposal", "proposal_id", "id"),
        Index("ix_proposal_opinions_org_id", "organisation_id", "id"),
    )

    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proposal_assignments.id", ondelete="CASCADE")
    )
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    round: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ProposalNumberSequence(Base):
    """The last 提案号 given in one organisation's year: filing locks this row (``FOR UPDATE``)
    and takes the next, so numbers have no gaps and two filings never share one."""

    __tablename__ = "proposal_number_sequences"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
