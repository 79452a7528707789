"""proposals (提案): proposals, co-signers, per-unit assignments, replies, opinions, number counters

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:55:12.294943
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The proposal settings every organisation gets (api.md "Settings"), existing ones included.
SETTINGS = (
    ("proposal_reply_window", "P3M"),
    ("proposal_max_reply_window", "P6M"),
    ("return_window", "P7D"),
    ("co_opinion_before", "P1M"),
    ("evaluation_window", "P30D"),
    ("follow_up_window", "P6M"),
)


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch_op:
        for name, default in SETTINGS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=20), nullable=False, server_default=default)
            )
        batch_op.add_column(
            sa.Column("proposal_max_rounds", sa.Integer(), nullable=False, server_default="2")
        )
    op.create_table(
        "proposal_number_sequences",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_proposal_number_sequences_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "year", name=op.f("pk_proposal_number_sequences")
        ),
    )
    op.create_table(
        "proposals",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("proposer_kind", sa.String(length=20), nullable=False),
        sa.Column("lead_member_id", sa.Uuid(), nullable=True),
        sa.Column("proposer_name", sa.String(length=200), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("not_filed_reason", sa.Text(), nullable=True),
        sa.Column("conversion", sa.String(length=30), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("lead_leader", sa.String(length=100), nullable=True),
        sa.Column("urging_leader", sa.String(length=100), nullable=True),
        sa.Column("reply_due_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("reply_class", sa.String(length=1), nullable=True),
        sa.Column("follow_up_due_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("follow_up_open", sa.Boolean(), nullable=False),
        sa.Column("process_rating", sa.String(length=30), nullable=True),
        sa.Column("result_rating", sa.String(length=30), nullable=True),
        sa.Column("evaluation_comment", sa.Text(), nullable=True),
        sa.Column("evaluated_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evaluated_on_paper", sa.Boolean(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("state_changed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('economy','urban_rural','education_culture_health','society_law','agriculture','other')",
            name=op.f("ck_proposals_category"),
        ),
        sa.CheckConstraint(
            "conversion IS NULL OR conversion IN ('social_information','suggestion','department_reference')",
            name=op.f("ck_proposals_conversion"),
        ),
        sa.CheckConstraint("kind IN ('session','interim')", name=op.f("ck_proposals_kind")),
        sa.CheckConstraint(
            "proposer_kind IN ('member','committee','sector','party')",
            name=op.f("ck_proposals_proposer_kind"),
        ),
        sa.CheckConstraint(
            "reply_class IS NULL OR reply_class IN ('A','B','C','D')",
            name=op.f("ck_proposals_reply_class"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_proposals_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lead_member_id"], ["members.id"], name=op.f("fk_proposals_lead_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["proposals.id"], name=op.f("fk_proposals_merged_into_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_proposals_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint(
            "organisation_id", "number", name=op.f("uq_proposals_organisation_id_number")
        ),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index("ix_proposals_lead_member", ["lead_member_id", "id"], unique=False)
        batch_op.create_index(
            "ix_proposals_org_state", ["organisation_id", "state", "id"], unique=False
        )
        batch_op.create_index(
            "ix_proposals_org_year", ["organisation_id", "year", "id"], unique=False
        )
        batch_op.create_index("ix_proposals_org_id", ["organisation_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_state"), ["state"], unique=False)

    op.create_table(
        "proposal_assignments",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("assigned_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reply_due_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opinion_due_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_deadline", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extension_until", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("state_changed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('lead','co')", name=op.f("ck_proposal_assignments_role")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_proposal_assignments_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_proposal_assignments_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_assignments_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_assignments")),
    )
    with op.batch_alter_table("proposal_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_assignments_department", ["department_id", "state", "id"], unique=False
        )
        batch_op.create_index("ix_proposal_assignments_org_id", ["organisation_id", "id"], unique=False)
        batch_op.create_index(
            "ix_proposal_assignments_overdue",
            ["organisation_id", "id"],
            unique=False,
            postgresql_where=sa.text("overdue"),
            sqlite_where=sa.text("overdue"),
        )
        batch_op.create_index(
            "ix_proposal_assignments_proposal", ["proposal_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_proposal_assignments_state"), ["state"], unique=False)

    op.create_table(
        "proposal_signers",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','confirmed','declined')", name=op.f("ck_proposal_signers_status")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_proposal_signers_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_proposal_signers_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_signers_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_signers")),
        sa.UniqueConstraint(
            "proposal_id", "member_id", name=op.f("uq_proposal_signers_proposal_id_member_id")
        ),
    )
    with op.batch_alter_table("proposal_signers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_signers_member", ["member_id", "proposal_id"], unique=False
        )
        batch_op.create_index("ix_proposal_signers_org_id", ["organisation_id", "id"], unique=False)

    op.create_table(
        "proposal_opinions",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["proposal_assignments.id"],
            name=op.f("fk_proposal_opinions_assignment_id_proposal_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_proposal_opinions_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_proposal_opinions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_opinions_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_proposal_opinions_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_opinions")),
        sa.UniqueConstraint(
            "assignment_id", "round", name=op.f("uq_proposal_opinions_assignment_id_round")
        ),
    )
    with op.batch_alter_table("proposal_opinions", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_opinions_org_id", ["organisation_id", "id"], unique=False)
        batch_op.create_index("ix_proposal_opinions_proposal", ["proposal_id", "id"], unique=False)

    op.create_table(
        "proposal_replies",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("reply_class", sa.String(length=1), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("doc_number", sa.String(length=100), nullable=True),
        sa.Column("face_to_face_on", sa.Date(), nullable=True),
        sa.Column("replied_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reply_class IN ('A','B','C','D')", name=op.f("ck_proposal_replies_reply_class")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["proposal_assignments.id"],
            name=op.f("fk_proposal_replies_assignment_id_proposal_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_proposal_replies_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_proposal_replies_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_replies_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replied_by_id"], ["users.id"], name=op.f("fk_proposal_replies_replied_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_replies")),
        sa.UniqueConstraint(
            "assignment_id",
            "round",
            "final",
            name=op.f("uq_proposal_replies_assignment_id_round_final"),
        ),
    )
    with op.batch_alter_table("proposal_replies", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_replies_org_id", ["organisation_id", "id"], unique=False)
        batch_op.create_index("ix_proposal_replies_proposal", ["proposal_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proposal_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_replies_proposal")
        batch_op.drop_index("ix_proposal_replies_org_id")

    op.drop_table("proposal_replies")
    with op.batch_alter_table("proposal_opinions", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_opinions_proposal")
        batch_op.drop_index("ix_proposal_opinions_org_id")

    op.drop_table("proposal_opinions")
    with op.batch_alter_table("proposal_signers", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_signers_org_id")
        batch_op.drop_index("ix_proposal_signers_member")

    op.drop_table("proposal_signers")
    with op.batch_alter_table("proposal_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_assignments_state"))
        batch_op.drop_index("ix_proposal_assignments_proposal")
        batch_op.drop_index(
            "ix_proposal_assignments_overdue",
            postgresql_where=sa.text("overdue"),
            sqlite_where=sa.text("overdue"),
        )
        batch_op.drop_index("ix_proposal_assignments_org_id")
        batch_op.drop_index("ix_proposal_assignments_department")

    op.drop_table("proposal_assignments")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_state"))
        batch_op.drop_index("ix_proposals_org_id")
        batch_op.drop_index("ix_proposals_org_year")
        batch_op.drop_index("ix_proposals_org_state")
        batch_op.drop_index("ix_proposals_lead_member")

    op.drop_table("proposals")
    op.drop_table("proposal_number_sequences")
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("proposal_max_rounds")
        for name, _ in reversed(SETTINGS):
            batch_op.drop_column(name)
