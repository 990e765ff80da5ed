"""split key: a dataset and seed may have a time-ordered or a group split beside the random one

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 04:30:00.000000

Issue 12, item 4. A split row was unique per (dataset, seed); a time-ordered split (`time_ordered:<column>`)
or a group split (`group:<column>`) of the same rows and seed is another split, so the key gains
`split_key` ("" for the stratified random split: every existing row keeps its meaning). All of them draw on
the dataset's one budget pool, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("split", sa.Column("split_key", sa.String(length=300), nullable=False, server_default=""))
    op.drop_constraint("split_dataset_id_seed_key", "split", type_="unique")
    op.create_unique_constraint(
        "split_dataset_id_seed_split_key_key", "split", ["dataset_id", "seed", "split_key"]
    )


def downgrade() -> None:
    # Assessments and looks point at those splits: refuse rather than delete a record of the ledger.
    if op.get_bind().execute(sa.text("SELECT count(*) FROM split WHERE split_key <> ''")).scalar():
        raise RuntimeError("time-ordered or group splits exist; revision 0004 has no place for them")
    op.drop_constraint("split_dataset_id_seed_split_key_key", "split", type_="unique")
    op.create_unique_constraint("split_dataset_id_seed_key", "split", ["dataset_id", "seed"])
    op.drop_column("split", "split_key")
