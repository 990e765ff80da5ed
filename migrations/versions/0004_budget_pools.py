"""budget pools: the test budget belongs to a dataset's rows, not to a split seed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 03:00:00.000000

Until now each (dataset, seed) split had a budget of its own, so a new seed was a fresh budget. Now every
split of a dataset — and of a later dataset whose rows largely repeat it — draws on one `budget_pool`.

The data: each existing dataset gets a pool of its own (no sketches of old datasets' rows exist, so none is
joined to another). Its budget is the largest of its splits' budgets (the most any of them had been raised
to; the project's budget when it has no split), and its used looks are the sum of its splits' looks — they
are simply the looks of its splits, counted together. A dataset whose seeds together looked more often than
that budget starts with none left; raising it is the audited way on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_pool",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("test_budget", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_budget_pool_project_id"), "budget_pool", ["project_id"])
    op.create_index(op.f("ix_budget_pool_created_at"), "budget_pool", ["created_at"])
    op.add_column("dataset", sa.Column("budget_pool_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(None, "dataset", "budget_pool", ["budget_pool_id"], ["id"])
    op.create_index(op.f("ix_dataset_budget_pool_id"), "dataset", ["budget_pool_id"])
    op.add_column("budget_change", sa.Column("pool_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(None, "budget_change", "budget_pool", ["pool_id"], ["id"])
    op.create_index(op.f("ix_budget_change_pool_id"), "budget_change", ["pool_id"])
    op.create_table(
        "dataset_rows",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("distinct_rows", sa.Integer(), nullable=False),
        sa.Column("sketch", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("overlaps_dataset_id", sa.Uuid(), nullable=True),
        sa.Column("overlap", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["dataset_id"], ["dataset.id"]),
        sa.ForeignKeyConstraint(["overlaps_dataset_id"], ["dataset.id"]),
        sa.PrimaryKeyConstraint("dataset_id"),
    )
    # One pool per existing dataset (its id reused, so the datasets find theirs in one statement).
    op.execute(
        """
        INSERT INTO budget_pool (id, project_id, test_budget, created_at)
        SELECT d.id, d.project_id,
               COALESCE((SELECT max(s.test_budget) FROM split s WHERE s.dataset_id = d.id), p.test_budget),
               d.created_at
        FROM dataset d JOIN project p ON p.id = d.project_id
        """
    )
    op.execute("UPDATE dataset SET budget_pool_id = id")
    op.execute("UPDATE budget_change c SET pool_id = s.dataset_id FROM split s WHERE s.id = c.split_id")


def downgrade() -> None:
    op.drop_table("dataset_rows")
    op.drop_index(op.f("ix_budget_change_pool_id"), table_name="budget_change")
    op.drop_constraint("budget_change_pool_id_fkey", "budget_change", type_="foreignkey")
    op.drop_column("budget_change", "pool_id")
    op.drop_index(op.f("ix_dataset_budget_pool_id"), table_name="dataset")
    op.drop_constraint("dataset_budget_pool_id_fkey", "dataset", type_="foreignkey")
    op.drop_column("dataset", "budget_pool_id")
    op.drop_index(op.f("ix_budget_pool_created_at"), table_name="budget_pool")
    op.drop_index(op.f("ix_budget_pool_project_id"), table_name="budget_pool")
    op.drop_table("budget_pool")
