"""consultation: platforms, plans, campaigns, sessions, attendance, suggestions, reports,
instructions, instruction tasks, calendar tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The trigram indexes of the text search need pg_trgm; SQLite builds plain indexes instead.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table('campaigns',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_campaigns_period')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_campaigns_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('organisation_id', 'name', name=op.f('uq_campaigns_organisation_id_name'))
    )
    op.create_index(op.f('ix_campaigns_organisation_id'), 'campaigns', ['organisation_id'], unique=False)
    op.create_table('consultation_plans',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consultation_plans_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_plans')),
    sa.UniqueConstraint('organisation_id', 'year', name=op.f('uq_consultation_plans_organisation_id_year'))
    )
    op.create_index(op.f('ix_consultation_plans_organisation_id'), 'consultation_plans', ['organisation_id'], unique=False)
    op.create_table('platforms',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('annual_target', sa.Integer(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("level IN ('district','town','village')", name=op.f('ck_platforms_level')),
    sa.CheckConstraint('annual_target IS NULL OR annual_target >= 0', name=op.f('ck_platforms_annual_target')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_platforms_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platforms')),
    sa.UniqueConstraint('organisation_id', 'name', name=op.f('uq_platforms_organisation_id_name'))
    )
    op.create_index(op.f('ix_platforms_organisation_id'), 'platforms', ['organisation_id'], unique=False)
    op.create_table('reports',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('special_report','research_report','consultation_summary')", name=op.f('ck_reports_kind')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_reports_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    op.create_index(op.f('ix_reports_organisation_id'), 'reports', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_reports_state'), 'reports', ['state'], unique=False)
    op.create_index(op.f('ix_reports_submitted_on'), 'reports', ['submitted_on'], unique=False)
    op.create_table('consultations',
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('platform_id', sa.Uuid(), nullable=False),
    sa.Column('region_id', sa.Uuid(), nullable=True),
    sa.Column('campaign_id', sa.Uuid(), nullable=True),
    sa.Column('committee_id', sa.Uuid(), nullable=True),
    sa.Column('scheduled_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('venue', sa.String(length=200), nullable=True),
    sa.Column('public_participants', sa.Integer(), nullable=True),
    sa.Column('principal_leader_attended', sa.Boolean(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('public_participants IS NULL OR public_participants >= 0', name=op.f('ck_consultations_public')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_consultations_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_consultations_committee_id_committees')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consultations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_consultations_platform_id_platforms')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_consultations_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    op.create_index('ix_consultations_org_campaign_id', 'consultations', ['organisation_id', 'campaign_id', 'id'], unique=False)
    op.create_index('ix_consultations_org_platform_id', 'consultations', ['organisation_id', 'platform_id', 'id'], unique=False)
    op.create_index('ix_consultations_org_scheduled_at', 'consultations', ['organisation_id', 'scheduled_at'], unique=False)
    op.create_index('ix_consultations_org_state_id', 'consultations', ['organisation_id', 'state', 'id'], unique=False)
    op.create_index(op.f('ix_consultations_organisation_id'), 'consultations', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_consultations_state'), 'consultations', ['state'], unique=False)
    op.create_index('ix_consultations_title_trgm', 'consultations', ['title'], unique=False, postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})
    op.create_index('ix_consultations_topic_trgm', 'consultations', ['topic'], unique=False, postgresql_using='gin', postgresql_ops={'topic': 'gin_trgm_ops'})
    op.create_table('instructions',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('leader_name', sa.String(length=100), nullable=False),
    sa.Column('leader_tier', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('instructed_on', sa.Date(), nullable=False),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("leader_tier IN ('principal','other')", name=op.f('ck_instructions_leader_tier')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_instructions_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_instructions_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructions'))
    )
    op.create_index(op.f('ix_instructions_organisation_id'), 'instructions', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_instructions_report_id'), 'instructions', ['report_id'], unique=False)
    op.create_table('attendances',
    sa.Column('consultation_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=True),
    sa.Column('expert_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(member_id IS NULL) <> (expert_id IS NULL)', name=op.f('ck_attendances_one_attendee')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_attendances_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['experts.id'], name=op.f('fk_attendances_expert_id_experts')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_attendances_member_id_members')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_attendances_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('consultation_id', 'expert_id', name=op.f('uq_attendances_consultation_id_expert_id')),
    sa.UniqueConstraint('consultation_id', 'member_id', name=op.f('uq_attendances_consultation_id_member_id'))
    )
    op.create_index(op.f('ix_attendances_consultation_id'), 'attendances', ['consultation_id'], unique=False)
    op.create_index('ix_attendances_member_id', 'attendances', ['member_id'], unique=False)
    op.create_index(op.f('ix_attendances_organisation_id'), 'attendances', ['organisation_id'], unique=False)
    op.create_table('instruction_tasks',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('instruction_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('due_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('feedback_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_instruction_tasks_department_id_departments')),
    sa.ForeignKeyConstraint(['instruction_id'], ['instructions.id'], name=op.f('fk_instruction_tasks_instruction_id_instructions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_instruction_tasks_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_instruction_tasks_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_tasks')),
    sa.UniqueConstraint('instruction_id', 'department_id', name=op.f('uq_instruction_tasks_instruction_id_department_id'))
    )
    op.create_index('ix_instruction_tasks_department', 'instruction_tasks', ['department_id', 'id'], unique=False)
    op.create_index(op.f('ix_instruction_tasks_organisation_id'), 'instruction_tasks', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_instruction_tasks_report_id'), 'instruction_tasks', ['report_id'], unique=False)
    op.create_index(op.f('ix_instruction_tasks_state'), 'instruction_tasks', ['state'], unique=False)
    op.create_table('report_consultations',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('consultation_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_report_consultations_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_consultations_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'consultation_id', name=op.f('pk_report_consultations'))
    )
    op.create_index('ix_report_consultations_consultation', 'report_consultations', ['consultation_id', 'report_id'], unique=False)
    op.create_table('suggestions',
    sa.Column('consultation_id', sa.Uuid(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('proposer_kind', sa.String(length=20), nullable=False),
    sa.Column('proposer_member_id', sa.Uuid(), nullable=True),
    sa.Column('proposer_expert_id', sa.Uuid(), nullable=True),
    sa.Column('adoption_class', sa.String(length=30), nullable=True),
    sa.Column('response_due_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('merged_into_id', sa.Uuid(), nullable=True),
    sa.Column('report_id', sa.Uuid(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('state_changed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("proposer_kind IN ('member','expert','public','department')", name=op.f('ck_suggestions_proposer_kind')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_suggestions_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['suggestions.id'], name=op.f('fk_suggestions_merged_into_id_suggestions')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_suggestions_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposer_expert_id'], ['experts.id'], name=op.f('fk_suggestions_proposer_expert_id_experts')),
    sa.ForeignKeyConstraint(['proposer_member_id'], ['members.id'], name=op.f('fk_suggestions_proposer_member_id_members')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_suggestions_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestions'))
    )
    op.create_index('ix_suggestions_consultation_state', 'suggestions', ['consultation_id', 'state'], unique=False)
    op.create_index('ix_suggestions_org_state_id', 'suggestions', ['organisation_id', 'state', 'id'], unique=False)
    op.create_index(op.f('ix_suggestions_organisation_id'), 'suggestions', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_suggestions_proposer_member_id'), 'suggestions', ['proposer_member_id'], unique=False)
    op.create_index(op.f('ix_suggestions_report_id'), 'suggestions', ['report_id'], unique=False)
    op.create_index(op.f('ix_suggestions_state'), 'suggestions', ['state'], unique=False)
    op.create_table('calendar_tokens',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_calendar_tokens_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_tokens')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_tokens_token')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_tokens_user_id'))
    )
    op.create_index(op.f('ix_calendar_tokens_organisation_id'), 'calendar_tokens', ['organisation_id'], unique=False)
    op.create_table('suggestion_departments',
    sa.Column('suggestion_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_suggestion_departments_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_suggestion_departments_suggestion_id_suggestions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('suggestion_id', 'department_id', name=op.f('pk_suggestion_departments'))
    )
    op.create_index('ix_suggestion_departments_department', 'suggestion_departments', ['department_id', 'suggestion_id'], unique=False)
    op.create_table('suggestion_responses',
    sa.Column('suggestion_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('proposed_class', sa.String(length=30), nullable=False),
    sa.Column('responded_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_suggestion_responses_department_id_departments')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_suggestion_responses_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_suggestion_responses_suggestion_id_suggestions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_responses')),
    sa.UniqueConstraint('suggestion_id', 'department_id', name=op.f('uq_suggestion_responses_suggestion_id_department_id'))
    )
    op.create_index(op.f('ix_suggestion_responses_organisation_id'), 'suggestion_responses', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_suggestion_responses_suggestion_id'), 'suggestion_responses', ['suggestion_id'], unique=False)


def downgrade() -> None:
    # pg_trgm stays installed: other schemas of the database may use it.
    op.drop_index(op.f('ix_suggestion_responses_suggestion_id'), table_name='suggestion_responses')
    op.drop_index(op.f('ix_suggestion_responses_organisation_id'), table_name='suggestion_responses')
    op.drop_table('suggestion_responses')
    op.drop_index('ix_suggestion_departments_department', table_name='suggestion_departments')
    op.drop_table('suggestion_departments')
    op.drop_index(op.f('ix_calendar_tokens_organisation_id'), table_name='calendar_tokens')
    op.drop_table('calendar_tokens')
    op.drop_index(op.f('ix_suggestions_state'), table_name='suggestions')
    op.drop_index(op.f('ix_suggestions_report_id'), table_name='suggestions')
    op.drop_index(op.f('ix_suggestions_proposer_member_id'), table_name='suggestions')
    op.drop_index(op.f('ix_suggestions_organisation_id'), table_name='suggestions')
    op.drop_index('ix_suggestions_org_state_id', table_name='suggestions')
    op.drop_index('ix_suggestions_consultation_state', table_name='suggestions')
    op.drop_table('suggestions')
    op.drop_index('ix_report_consultations_consultation', table_name='report_consultations')
    op.drop_table('report_consultations')
    op.drop_index(op.f('ix_instruction_tasks_state'), table_name='instruction_tasks')
    op.drop_index(op.f('ix_instruction_tasks_report_id'), table_name='instruction_tasks')
    op.drop_index(op.f('ix_instruction_tasks_organisation_id'), table_name='instruction_tasks')
    op.drop_index('ix_instruction_tasks_department', table_name='instruction_tasks')
    op.drop_table('instruction_tasks')
    op.drop_index(op.f('ix_attendances_organisation_id'), table_name='attendances')
    op.drop_index('ix_attendances_member_id', table_name='attendances')
    op.drop_index(op.f('ix_attendances_consultation_id'), table_name='attendances')
    op.drop_table('attendances')
    op.drop_index(op.f('ix_instructions_report_id'), table_name='instructions')
    op.drop_index(op.f('ix_instructions_organisation_id'), table_name='instructions')
    op.drop_table('instructions')
    op.drop_index('ix_consultations_topic_trgm', table_name='consultations', postgresql_using='gin', postgresql_ops={'topic': 'gin_trgm_ops'})
    op.drop_index('ix_consultations_title_trgm', table_name='consultations', postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_consultations_state'), table_name='consultations')
    op.drop_index(op.f('ix_consultations_organisation_id'), table_name='consultations')
    op.drop_index('ix_consultations_org_state_id', table_name='consultations')
    op.drop_index('ix_consultations_org_scheduled_at', table_name='consultations')
    op.drop_index('ix_consultations_org_platform_id', table_name='consultations')
    op.drop_index('ix_consultations_org_campaign_id', table_name='consultations')
    op.drop_table('consultations')
    op.drop_index(op.f('ix_reports_submitted_on'), table_name='reports')
    op.drop_index(op.f('ix_reports_state'), table_name='reports')
    op.drop_index(op.f('ix_reports_organisation_id'), table_name='reports')
    op.drop_table('reports')
    op.drop_index(op.f('ix_platforms_organisation_id'), table_name='platforms')
    op.drop_table('platforms')
    op.drop_index(op.f('ix_consultation_plans_organisation_id'), table_name='consultation_plans')
    op.drop_table('consultation_plans')
    op.drop_index(op.f('ix_campaigns_organisation_id'), table_name='campaigns')
    op.drop_table('campaigns')
