"""supervision topics: the consultation a topic follows up (先协商后监督)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("supervision_topics") as batch:
        batch.add_column(sa.Column("consultation_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_supervision_topics_consultation_id_consultations"),
            "consultations",
            ["consultation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            op.f("ix_supervision_topics_consultation_id"), ["consultation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("supervision_topics") as batch:
        batch.drop_index(op.f("ix_supervision_topics_consultation_id"))
        batch.drop_constraint(
            op.f("fk_supervision_topics_consultation_id_consultations"), type_="foreignkey"
        )
        batch.drop_column("consultation_id")
