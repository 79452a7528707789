"""tenant lists indexed for the tenant: (organisation_id, id) and (organisation_id, filter, id)

Keyset pages run ``WHERE organisation_id = ? [AND <filter> = ?] AND id > ? ORDER BY id``; an
index on organisation_id alone makes a small tenant beside a big one read and sort all its rows.
Each single-column organisation_id index is a prefix of the new (organisation_id, id) and goes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 18:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose rows belong to an organisation: (organisation_id, id) replaces
# ix_<table>_organisation_id.
TENANT_TABLES = (
    "api_keys", "attendances", "audit_entries", "calendar_tokens", "campaigns", "committees",
    "consultation_plans", "consultations", "contact_requests", "departments", "experts",
    "instruction_tasks", "instructions", "joint_activities", "members", "party_branches",
    "party_partners", "platforms", "problems_solved", "regions", "reports", "sectors",
    "service_activities", "studio_memberships", "studio_ratings", "studios",
    "suggestion_responses", "suggestions", "supervision_cases", "supervision_evaluations",
    "supervision_feedback", "supervision_topics", "theme_tasks", "users", "webhook_deliveries",
    "webhook_subscriptions",
)

# Hot filters: (organisation_id, <filter>, id), each replacing the index it extends (if any).
FILTERS = (
    ("audit_entries", "ix_audit_entries_org_type_id", ["organisation_id", "entity_type", "id"], None),
    ("contact_requests", "ix_contact_requests_org_state_id", ["organisation_id", "state", "id"], None),
    ("instruction_tasks", "ix_instruction_tasks_org_state_id", ["organisation_id", "state", "id"], None),
    ("members", "ix_members_org_sector_id", ["organisation_id", "sector_id", "id"],
     ("ix_members_org_sector", ["organisation_id", "sector_id"])),
    ("supervision_topics", "ix_supervision_topics_org_year_id", ["organisation_id", "year", "id"],
     ("ix_supervision_topics_org_year", ["organisation_id", "year"])),
    ("theme_tasks", "ix_theme_tasks_org_year_id", ["organisation_id", "year", "id"],
     ("ix_theme_tasks_org_year", ["organisation_id", "year"])),
)


def upgrade() -> None:
    for table in TENANT_TABLES:
        op.drop_index(f"ix_{table}_organisation_id", table_name=table)
        op.create_index(f"ix_{table}_org_id", table, ["organisation_id", "id"])
    for table, name, columns, replaced in FILTERS:
        if replaced is not None:
            op.drop_index(replaced[0], table_name=table)
        op.create_index(name, table, columns)


def downgrade() -> None:
    for table, name, _columns, replaced in reversed(FILTERS):
        op.drop_index(name, table_name=table)
        if replaced is not None:
            op.create_index(replaced[0], table, replaced[1])
    for table in reversed(TENANT_TABLES):
        op.drop_index(f"ix_{table}_org_id", table_name=table)
        op.create_index(f"ix_{table}_organisation_id", table, ["organisation_id"])
