"""initial schema: service tables and Procrastinate's job tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 08:55:05.670827
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('team',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_team_created_at'), 'team', ['created_at'], unique=False)
    op.create_index(op.f('ix_team_name'), 'team', ['name'], unique=True)
    op.create_table('api_key',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    op.create_index(op.f('ix_api_key_created_at'), 'api_key', ['created_at'], unique=False)
    op.create_index(op.f('ix_api_key_prefix'), 'api_key', ['prefix'], unique=False)
    op.create_index(op.f('ix_api_key_team_id'), 'api_key', ['team_id'], unique=False)
    op.create_table('project',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('readiness', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('test_budget', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_project_created_at'), 'project', ['created_at'], unique=False)
    op.create_index(op.f('ix_project_team_id'), 'project', ['team_id'], unique=False)
    op.create_table('dataset',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('stored_as', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('positive_label', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('columns', sa.Integer(), nullable=False),
    sa.Column('profile', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('checks', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_dataset_created_at'), 'dataset', ['created_at'], unique=False)
    op.create_index(op.f('ix_dataset_project_id'), 'dataset', ['project_id'], unique=False)
    op.create_index(op.f('ix_dataset_sha256'), 'dataset', ['sha256'], unique=False)
    op.create_table('split',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dataset_id', sa.Uuid(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('split_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sizes', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('test_budget', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dataset_id', 'seed')
    )
    op.create_index(op.f('ix_split_created_at'), 'split', ['created_at'], unique=False)
    op.create_index(op.f('ix_split_dataset_id'), 'split', ['dataset_id'], unique=False)
    op.create_table('assessment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('dataset_id', sa.Uuid(), nullable=False),
    sa.Column('split_id', sa.Uuid(), nullable=True),
    sa.Column('config', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', 'cancelled', name='assessmentstatus'), nullable=False),
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('progress_detail', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('error_detail', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.ForeignKeyConstraint(['split_id'], ['split.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_assessment_created_at'), 'assessment', ['created_at'], unique=False)
    op.create_index(op.f('ix_assessment_dataset_id'), 'assessment', ['dataset_id'], unique=False)
    op.create_index(op.f('ix_assessment_project_id'), 'assessment', ['project_id'], unique=False)
    op.create_index(op.f('ix_assessment_status'), 'assessment', ['status'], unique=False)
    op.create_table('budget_change',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('split_id', sa.Uuid(), nullable=False),
    sa.Column('old_limit', sa.Integer(), nullable=False),
    sa.Column('new_limit', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['split_id'], ['split.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_budget_change_created_at'), 'budget_change', ['created_at'], unique=False)
    op.create_index(op.f('ix_budget_change_split_id'), 'budget_change', ['split_id'], unique=False)
    op.create_table('stage_output',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('assessment_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('artifact', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assessment_id', 'stage')
    )
    op.create_index(op.f('ix_stage_output_assessment_id'), 'stage_output', ['assessment_id'], unique=False)
    op.create_index(op.f('ix_stage_output_created_at'), 'stage_output', ['created_at'], unique=False)
    op.create_table('test_look',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('split_id', sa.Uuid(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('assessment_id', sa.Uuid(), nullable=True),
    sa.Column('models', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.ForeignKeyConstraint(['split_id'], ['split.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index(op.f('ix_test_look_created_at'), 'test_look', ['created_at'], unique=False)
    op.create_index(op.f('ix_test_look_split_id'), 'test_look', ['split_id'], unique=False)

    # Procrastinate's job tables at the version pyproject pins; a later Procrastinate release ships its
    # own SQL migrations, which become new revisions here so one `readiness migrate` applies both.
    # The driver sees placeholders in the SQL's literal "%" signs; doubled, they pass through as text.
    op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    op.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    return
    op.drop_index(op.f('ix_test_look_split_id'), table_name='test_look')
    op.drop_index(op.f('ix_test_look_created_at'), table_name='test_look')
    op.drop_table('test_look')
    op.drop_index(op.f('ix_stage_output_created_at'), table_name='stage_output')
    op.drop_index(op.f('ix_stage_output_assessment_id'), table_name='stage_output')
    op.drop_table('stage_output')
    op.drop_index(op.f('ix_budget_change_split_id'), table_name='budget_change')
    op.drop_index(op.f('ix_budget_change_created_at'), table_name='budget_change')
    op.drop_table('budget_change')
    op.drop_index(op.f('ix_assessment_status'), table_name='assessment')
    op.drop_index(op.f('ix_assessment_project_id'), table_name='assessment')
    op.drop_index(op.f('ix_assessment_dataset_id'), table_name='assessment')
    op.drop_index(op.f('ix_assessment_created_at'), table_name='assessment')
    op.drop_table('assessment')
    op.drop_index(op.f('ix_split_dataset_id'), table_name='split')
    op.drop_index(op.f('ix_split_created_at'), table_name='split')
    op.drop_table('split')
    op.drop_index(op.f('ix_dataset_sha256'), table_name='dataset')
    op.drop_index(op.f('ix_dataset_project_id'), table_name='dataset')
    op.drop_index(op.f('ix_dataset_created_at'), table_name='dataset')
    op.drop_table('dataset')
    op.drop_index(op.f('ix_project_team_id'), table_name='project')
    op.drop_index(op.f('ix_project_created_at'), table_name='project')
    op.drop_table('project')
    op.drop_index(op.f('ix_api_key_team_id'), table_name='api_key')
    op.drop_index(op.f('ix_api_key_prefix'), table_name='api_key')
    op.drop_index(op.f('ix_api_key_created_at'), table_name='api_key')
    op.drop_table('api_key')
    op.drop_index(op.f('ix_team_name'), table_name='team')
    op.drop_index(op.f('ix_team_created_at'), table_name='team')
    op.drop_table('team')
