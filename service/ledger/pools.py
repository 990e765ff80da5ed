"""Budget pools: the test budget belongs to a dataset's rows, not to a split seed.

Every split of a dataset draws on its dataset's pool, so a new seed is not a fresh budget (its test rows
were partly seen, in the earlier test split or in training). A dataset taken in whose rows largely repeat
an earlier dataset of the same project — the same bytes, or at least `SHARE_AT` of its distinct rows found
in the earlier one's by row hash (`workers.data.row_sketch`) — joins that dataset's pool; otherwise it gets a
pool of its own with the project's budget. A dataset recorded without a pool (a row older than the pools
made by hand, or by a test) gets one the first time its budget is needed.

Locks, always in this order: the dataset's row (only to give it a pool), then the pool's row. Both are
taken FOR NO KEY UPDATE, which still lets other transactions insert rows that reference them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from service.models import Dataset, Project, Split
from service.models.ledger import BudgetPool, DatasetRows
from workers.data.row_sketch import RowSketch, containment

# A new dataset joins an earlier one's pool when at least this share of its distinct rows are that one's.
SHARE_AT = 0.5


@dataclass(frozen=True)
class PoolMember:
    """A dataset in a pool, as the report names it."""

    dataset_id: uuid.UUID
    filename: str
    overlap: float | None  # the share of its rows found in the dataset whose pool it joined (None: the first)


def pool_id_of(session: Any, dataset_id: uuid.UUID) -> uuid.UUID:
    """The dataset's pool, made now (with the largest budget of its splits, else its project's) if it has none."""
    pool_id = session.scalar(select(col(Dataset.budget_pool_id)).where(col(Dataset.id) == dataset_id))
    if pool_id is not None:
        return pool_id
    dataset = session.scalar(
        select(Dataset)
        .where(col(Dataset.id) == dataset_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    assert dataset is not None, "callers found the dataset; datasets with splits or assessments are kept"
    if dataset.budget_pool_id is None:  # not given one by a transaction that held the lock before us
        budget = session.scalar(
            select(func.max(col(Split.test_budget))).where(col(Split.dataset_id) == dataset_id)
        )
        if budget is None:
            budget = session.scalar(
                select(col(Project.test_budget)).where(col(Project.id) == dataset.project_id)
            )
        pool = BudgetPool(project_id=dataset.project_id, test_budget=int(budget))
        session.add(pool)
        session.flush()
        dataset.budget_pool_id = pool.id
        session.flush()
    return dataset.budget_pool_id


def lock_pool(session: Any, dataset_id: uuid.UUID) -> BudgetPool:
    """The dataset's pool, locked until the caller's transaction ends and read fresh under the lock (so a
    raise or a look that just committed counts)."""
    pool = session.scalar(
        select(BudgetPool)
        .where(col(BudgetPool.id) == pool_id_of(session, dataset_id))
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    assert pool is not None, "pools are never deleted"
    return pool


def join_pool(session: Any, row: Dataset, sketch: RowSketch | None) -> None:
    """Give a dataset about to be recorded its pool: that of the project's earlier dataset of the same bytes,
    else of the earlier dataset holding the largest share (≥ `SHARE_AT`) of its rows, else a new one with the
    project's budget. `row` is added and flushed; its sketch is kept for the datasets after it. Serialised per
    project (an advisory lock to the end of the transaction), so two overlapping files taken in at once
    cannot make two pools."""
    session.execute(select(func.pg_advisory_xact_lock(_project_lock(row.project_id))))
    joined: uuid.UUID | None = None
    overlap: float | None = None
    same_bytes = session.execute(
        select(col(Dataset.id), col(Dataset.budget_pool_id))
        .where(col(Dataset.project_id) == row.project_id, col(Dataset.sha256) == row.sha256)
        .where(col(Dataset.budget_pool_id).is_not(None))
        .order_by(col(Dataset.created_at))
        .limit(1)
    ).first()
    if same_bytes is not None:
        joined, overlap = same_bytes[0], 1.0
        row.budget_pool_id = same_bytes[1]
    elif sketch is not None:
        earlier = session.execute(
            select(
                col(DatasetRows.dataset_id),
                col(DatasetRows.distinct_rows),
                col(DatasetRows.sketch),
                col(Dataset.budget_pool_id),
            )
            .join(Dataset, col(Dataset.id) == col(DatasetRows.dataset_id))
            .where(col(Dataset.project_id) == row.project_id)
            .where(col(Dataset.budget_pool_id).is_not(None))
            .order_by(col(Dataset.created_at))
        ).all()
        best = max(
            ((containment(sketch, RowSketch(n, tuple(hashes))), d, pool) for d, n, hashes, pool in earlier),
            key=lambda found: found[0],
            default=None,
        )
        if best is not None and best[0] >= SHARE_AT:
            overlap, joined, row.budget_pool_id = best
    if row.budget_pool_id is None:
        budget = session.scalar(select(col(Project.test_budget)).where(col(Project.id) == row.project_id))
        pool = BudgetPool(project_id=row.project_id, test_budget=int(budget))
        session.add(pool)
        session.flush()
        row.budget_pool_id = pool.id
    session.add(row)
    session.flush()
    if sketch is not None:
        session.add(
            DatasetRows(
                dataset_id=row.id,
                distinct_rows=sketch.distinct_rows,
                sketch=list(sketch.hashes),
                overlaps_dataset_id=joined,
                overlap=overlap,
            )
        )
        session.flush()


def _project_lock(project_id: uuid.UUID) -> int:
    """A signed 64-bit advisory-lock key for joining a project's pools."""
    return int.from_bytes(project_id.bytes[:8], "big", signed=True) ^ 0x706F6F6C  # "pool"


def members(session: Any, pool_id: uuid.UUID) -> tuple[list[PoolMember], list[str]]:
    """The pool's datasets (oldest first, with the overlap each joined by) and its splits: each its seed, and
    for a time-ordered or group split its key ("20170511", "20170511 time_ordered:date")."""
    datasets = session.execute(
        select(col(Dataset.id), col(Dataset.filename), col(DatasetRows.overlap))
        .outerjoin(DatasetRows, col(DatasetRows.dataset_id) == col(Dataset.id))
        .where(col(Dataset.budget_pool_id) == pool_id)
        .order_by(col(Dataset.created_at), col(Dataset.id))
    ).all()
    splits = session.execute(
        select(col(Split.seed), col(Split.split_key))
        .join(Dataset, col(Dataset.id) == col(Split.dataset_id))
        .where(col(Dataset.budget_pool_id) == pool_id)
        .order_by(col(Split.created_at), col(Split.seed))
    ).all()
    seeds = [f"{seed} {key}" if key else str(seed) for seed, key in splits]
    return [PoolMember(d, name, overlap) for d, name, overlap in datasets], seeds


def shared_with(session: Any, pool_id: uuid.UUID) -> str | None:
    """The report's sentence on who else draws on this budget; None when one split of one dataset does."""
    datasets, seeds = members(session, pool_id)
    if len(datasets) <= 1 and len(seeds) <= 1:
        return None
    if len(datasets) <= 1:
        shown = ", ".join(seeds)
        if all(" " not in seed for seed in seeds):
            return (
                f"This budget is shared by the {len(seeds)} splits of this dataset (seeds {shown}): a new seed is "
                "not a fresh budget, its test rows were partly seen."
            )
        return (
            f"This budget is shared by the {len(seeds)} splits of this dataset ({shown}): another seed or another "
            "way of splitting the same rows (in time order, by group) is not a fresh budget, its test rows were "
            "partly seen."
        )
    names = [repr(d.filename) for d in datasets]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    overlaps = [d.overlap for d in datasets if d.overlap is not None]
    low, high = (min(overlaps), max(overlaps)) if overlaps else (None, None)
    if low is None:
        rows = ""
    else:
        rows = (
            f", whose rows overlap {low:.0%}" if low == high else f", whose rows overlap {low:.0%}–{high:.0%}"
        )
    return (
        f"This budget is shared by datasets {listed}{rows} ({len(seeds)} split{'s' if len(seeds) != 1 else ''}): "
        "a file that repeats rows already looked at is not a fresh budget."
    )
