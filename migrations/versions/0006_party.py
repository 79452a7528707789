"""party building: branches, partners, joint activities, theme tasks, problems solved

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _common(table: str) -> list[sa.Column[object] | sa.Constraint]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f(f"fk_{table}_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "party_branches",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_common("party_branches"),
        sa.ForeignKeyConstraint(["committee_id"], ["committees.id"],
                                name=op.f("fk_party_branches_committee_id_committees")),
        sa.UniqueConstraint("organisation_id", "committee_id",
                            name=op.f("uq_party_branches_organisation_id_committee_id")),
    )
    op.create_index(op.f("ix_party_branches_organisation_id"), "party_branches",
                    ["organisation_id"])
    op.create_table(
        "party_partners",
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        *_common("party_partners"),
        sa.ForeignKeyConstraint(["branch_id"], ["party_branches.id"],
                                name=op.f("fk_party_partners_branch_id_party_branches"),
                                ondelete="CASCADE"),
        sa.UniqueConstraint("branch_id", "name", name=op.f("uq_party_partners_branch_id_name")),
    )
    op.create_index(op.f("ix_party_partners_branch_id"), "party_partners", ["branch_id"])
    op.create_index(op.f("ix_party_partners_organisation_id"), "party_partners",
                    ["organisation_id"])
    op.create_table(
        "joint_activities",
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("party_member_participations", sa.Integer(), nullable=False),
        *_common("joint_activities"),
        sa.CheckConstraint("kind IN ('study','consultation')", name=op.f("ck_joint_activities_kind")),
        sa.CheckConstraint("party_member_participations >= 0",
                           name=op.f("ck_joint_activities_participations")),
        sa.ForeignKeyConstraint(["branch_id"], ["party_branches.id"],
                                name=op.f("fk_joint_activities_branch_id_party_branches")),
    )
    op.create_index("ix_joint_activities_org_held_on", "joint_activities",
                    ["organisation_id", "held_on"])
    op.create_index(op.f("ix_joint_activities_organisation_id"), "joint_activities",
                    ["organisation_id"])
    op.create_table(
        "theme_tasks",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        *_common("theme_tasks"),
    )
    op.create_index("ix_theme_tasks_org_year", "theme_tasks", ["organisation_id", "year"])
    op.create_index(op.f("ix_theme_tasks_organisation_id"), "theme_tasks", ["organisation_id"])
    op.create_table(
        "problems_solved",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("solved_on", sa.Date(), nullable=False),
        sa.Column("theme_task_id", sa.Uuid(), nullable=True),
        *_common("problems_solved"),
        sa.ForeignKeyConstraint(["theme_task_id"], ["theme_tasks.id"],
                                name=op.f("fk_problems_solved_theme_task_id_theme_tasks")),
    )
    op.create_index("ix_problems_solved_org_solved_on", "problems_solved",
                    ["organisation_id", "solved_on"])
    op.create_index(op.f("ix_problems_solved_organisation_id"), "problems_solved",
                    ["organisation_id"])


def downgrade() -> None:
    op.drop_table("problems_solved")
    op.drop_table("theme_tasks")
    op.drop_table("joint_activities")
    op.drop_table("party_partners")
    op.drop_table("party_branches")
