"""lab journal, grids, batches, dashboard sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:03:10.470023
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('batch',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('spec', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_batch_created_at'), 'batch', ['created_at'], unique=False)
    op.create_index(op.f('ix_batch_team_id'), 'batch', ['team_id'], unique=False)
    op.create_table('batch_item',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('target_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_batch_item_batch_id'), 'batch_item', ['batch_id'], unique=False)
    op.create_table('dashboard_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('api_key_id', sa.Uuid(), nullable=False),
    sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_dashboard_session_api_key_id'), 'dashboard_session', ['api_key_id'], unique=False)
    op.create_index(op.f('ix_dashboard_session_created_at'), 'dashboard_session', ['created_at'], unique=False)
    op.create_table('login_link',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('api_key_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_login_link_api_key_id'), 'login_link', ['api_key_id'], unique=False)
    op.create_index(op.f('ix_login_link_created_at'), 'login_link', ['created_at'], unique=False)
    op.create_table('grid',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('dataset_id', sa.Uuid(), nullable=False),
    sa.Column('split_seed', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('model_family', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('spec', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reused', sa.Integer(), nullable=False),
    sa.Column('hypothesis', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('promoted_experiment_id', sa.Uuid(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_grid_created_at'), 'grid', ['created_at'], unique=False)
    op.create_index(op.f('ix_grid_dataset_id'), 'grid', ['dataset_id'], unique=False)
    op.create_index(op.f('ix_grid_project_id'), 'grid', ['project_id'], unique=False)
    op.create_table('experiment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('dataset_id', sa.Uuid(), nullable=False),
    sa.Column('split_id', sa.Uuid(), nullable=True),
    sa.Column('assessment_id', sa.Uuid(), nullable=True),
    sa.Column('grid_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.Enum('assessment', 'single', 'grid', 'learning_curve', name='experimentkind'), nullable=False),
    sa.Column('model_family', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('train_fraction', sa.Float(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('procedure', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('repeat_of', sa.Uuid(), nullable=True),
    sa.Column('repeat_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('hypothesis', sa.Text(), server_default='', nullable=False),
    sa.Column('inference', sa.Text(), server_default='', nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', 'cancelled', name='runstatus'), nullable=False),
    sa.Column('queue', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('test_result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('error_detail', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.ForeignKeyConstraint(['dataset_id'], ['dataset.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], ),
    sa.ForeignKeyConstraint(['repeat_of'], ['experiment.id'], ),
    sa.ForeignKeyConstraint(['split_id'], ['split.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_experiment_assessment_id'), 'experiment', ['assessment_id'], unique=False)
    op.create_index(op.f('ix_experiment_created_at'), 'experiment', ['created_at'], unique=False)
    op.create_index(op.f('ix_experiment_dataset_id'), 'experiment', ['dataset_id'], unique=False)
    op.create_index(op.f('ix_experiment_fingerprint'), 'experiment', ['fingerprint'], unique=False)
    op.create_index(op.f('ix_experiment_grid_id'), 'experiment', ['grid_id'], unique=False)
    op.create_index(op.f('ix_experiment_kind'), 'experiment', ['kind'], unique=False)
    op.create_index(op.f('ix_experiment_model_family'), 'experiment', ['model_family'], unique=False)
    op.create_index('ix_experiment_project_created', 'experiment', ['project_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_experiment_project_id'), 'experiment', ['project_id'], unique=False)
    op.create_index(op.f('ix_experiment_status'), 'experiment', ['status'], unique=False)
    op.create_table('experiment_revision',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('experiment_id', sa.Uuid(), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('who', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_experiment_revision_created_at'), 'experiment_revision', ['created_at'], unique=False)
    op.create_index(op.f('ix_experiment_revision_experiment_id'), 'experiment_revision', ['experiment_id'], unique=False)
    op.create_table('grid_point',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('grid_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('experiment_id', sa.Uuid(), nullable=False),
    sa.Column('reused', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiment.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_grid_point_experiment_id'), 'grid_point', ['experiment_id'], unique=False)
    op.create_index(op.f('ix_grid_point_grid_id'), 'grid_point', ['grid_id'], unique=False)
    # The dashboard pages a project's assessments newest first: one index serves the filter and the order.
    op.create_index('ix_assessment_project_created', 'assessment', ['project_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_assessment_project_created', table_name='assessment')
    op.drop_index(op.f('ix_grid_point_grid_id'), table_name='grid_point')
    op.drop_index(op.f('ix_grid_point_experiment_id'), table_name='grid_point')
    op.drop_table('grid_point')
    op.drop_index(op.f('ix_experiment_revision_experiment_id'), table_name='experiment_revision')
    op.drop_index(op.f('ix_experiment_revision_created_at'), table_name='experiment_revision')
    op.drop_table('experiment_revision')
    op.drop_index(op.f('ix_experiment_status'), table_name='experiment')
    op.drop_index(op.f('ix_experiment_project_id'), table_name='experiment')
    op.drop_index('ix_experiment_project_created', table_name='experiment')
    op.drop_index(op.f('ix_experiment_model_family'), table_name='experiment')
    op.drop_index(op.f('ix_experiment_kind'), table_name='experiment')
    op.drop_index(op.f('ix_experiment_grid_id'), table_name='experiment')
    op.drop_index(op.f('ix_experiment_fingerprint'), table_name='experiment')
    op.drop_index(op.f('ix_experiment_dataset_id'), table_name='experiment')
    op.drop_index(op.f('ix_experiment_created_at'), table_name='experiment')
    op.drop_index(op.f('ix_experiment_assessment_id'), table_name='experiment')
    op.drop_table('experiment')
    op.drop_index(op.f('ix_grid_project_id'), table_name='grid')
    op.drop_index(op.f('ix_grid_dataset_id'), table_name='grid')
    op.drop_index(op.f('ix_grid_created_at'), table_name='grid')
    op.drop_table('grid')
    op.drop_index(op.f('ix_login_link_created_at'), table_name='login_link')
    op.drop_index(op.f('ix_login_link_api_key_id'), table_name='login_link')
    op.drop_table('login_link')
    op.drop_index(op.f('ix_dashboard_session_created_at'), table_name='dashboard_session')
    op.drop_index(op.f('ix_dashboard_session_api_key_id'), table_name='dashboard_session')
    op.drop_table('dashboard_session')
    op.drop_index(op.f('ix_batch_item_batch_id'), table_name='batch_item')
    op.drop_table('batch_item')
    op.drop_index(op.f('ix_batch_team_id'), table_name='batch')
    op.drop_index(op.f('ix_batch_created_at'), table_name='batch')
    op.drop_table('batch')
    sa.Enum(name='runstatus').drop(op.get_bind(), checkfirst=True)
    sa.Enum(name='experimentkind').drop(op.get_bind(), checkfirst=True)
