"""assessment status 'waiting': its learning-curve points run as jobs of their own

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 01:55:00.000000

Until now such an assessment stayed 'running' with `waiting_for_points` in its progress JSON. The enum is
built anew rather than extended with ALTER TYPE ... ADD VALUE: a value added that way cannot be used in the
transaction that added it, and the rows already waiting are moved to it here, in the same transaction as
every other migration (under the migration lock).
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD = "'queued', 'running', 'succeeded', 'failed', 'cancelled'"
NEW = "'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'"


def _rebuild(values: str, using: str) -> None:
    op.execute("ALTER TYPE assessmentstatus RENAME TO assessmentstatus_old")
    op.execute(f"CREATE TYPE assessmentstatus AS ENUM ({values})")
    op.execute(f"ALTER TABLE assessment ALTER COLUMN status TYPE assessmentstatus USING ({using})::assessmentstatus")
    op.execute("DROP TYPE assessmentstatus_old")


def upgrade() -> None:
    _rebuild(
        NEW,
        "CASE WHEN status = 'running' AND (progress_detail ->> 'waiting_for_points')::boolean "
        "THEN 'waiting' ELSE status::text END",
    )


def downgrade() -> None:
    # A waiting assessment was 'running' with the flag in its progress JSON, which is still written.
    _rebuild(OLD, "CASE WHEN status = 'waiting' THEN 'running' ELSE status::text END")
