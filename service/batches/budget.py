"""The test budget, checked for the batch as a whole: each assessment spends one look at its split, so a
batch asking for more looks than are left would fail at the end of its last assessments. It is refused now."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import select
from sqlmodel import Session

from service.batches.plan import BatchPlan, DatasetPlan
from service.batches.problems import Problems
from service.ledger.looks import looks_used
from service.models import Split


def check_budgets(session: Session, plan: BatchPlan, problems: Problems) -> None:
    """One problem per split asked for too many looks, on its first assessment over the budget."""
    asked = Counter((a.dataset.row.id, a.config.seed) for a in plan.assessments)
    seen: Counter[tuple[uuid.UUID, int]] = Counter()
    for assessment in plan.assessments:
        key = (assessment.dataset.row.id, assessment.config.seed)
        seen[key] += 1
        limit, used = looks(session, assessment.dataset, assessment.config.seed)
        if used + seen[key] != limit + 1:
            continue
        dataset = assessment.dataset
        name = dataset.item.label if dataset.item else str(dataset.row.id)
        problems.add(
            assessment.item.where,
            f"this batch asks for {asked[key]} assessments of dataset {name!r} with seed "
            f"{assessment.config.seed}, and its test split has {limit - used} of {limit} looks left. Run "
            "fewer, give some another seed (a fresh split), or raise the project's test_budget.",
            "test_budget_exhausted",
            assessment.item.position,
        )


def looks(session: Session, dataset: DatasetPlan, seed: int) -> tuple[int, int]:
    """(looks allowed, looks spent) at the dataset's split with this seed; a split not made yet gets the
    project's budget (as the batch leaves it) when its first job makes it."""
    if not dataset.is_new:
        split = session.scalar(select(Split).where(Split.dataset_id == dataset.row.id, Split.seed == seed))
        if split is not None:
            return split.test_budget, looks_used(session, split.id)
    project = dataset.project
    return int(project.changes.get("test_budget", project.row.test_budget)), 0
