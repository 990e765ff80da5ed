"""people: a key belongs to a named person; a project's changes are audited

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 05:00:00.000000

`api_key.person` names whom a key's requests are attributed to; existing keys get their label (`name`),
so they keep working and their audit rows read as before. `project_change` records who changed a project's
name, description or answers (and who asked for a cancel), from what to what.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_key", sa.Column("person", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    op.execute("UPDATE api_key SET person = name")
    op.alter_column("api_key", "person", nullable=False)
    op.create_table(
        "project_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("who", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_project_change_project_id"), "project_change", ["project_id"])
    op.create_index(op.f("ix_project_change_created_at"), "project_change", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_project_change_created_at"), table_name="project_change")
    op.drop_index(op.f("ix_project_change_project_id"), table_name="project_change")
    op.drop_table("project_change")
    op.drop_column("api_key", "person")
