"""The test budget, checked for the batch as a whole: each assessment spends one look at its split, so a
batch asking for more looks than are left would fail at the end of its last assessments. It is refused now."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlmodel import Session

from service.batches.plan import BatchPlan, DatasetPlan
from service.batches.problems import Problems
from service.ledger.budget import Budget, planned_budget, split_for


def check_budgets(session: Session, plan: BatchPlan, problems: Problems) -> None:
    """One problem per split asked for too many looks, on its first assessment over the budget."""
    asked = Counter((a.dataset.row.id, a.config.seed) for a in plan.assessments)
    seen: Counter[tuple[uuid.UUID, int]] = Counter()
    for assessment in plan.assessments:
        key = (assessment.dataset.row.id, assessment.config.seed)
        seen[key] += 1
        budget = looks(session, assessment.dataset, assessment.config.seed)
        if seen[key] != budget.remaining + 1:
            continue
        dataset = assessment.dataset
        name = dataset.item.label if dataset.item else str(dataset.row.id)
        split = None if dataset.is_new else split_for(session, dataset.row.id, assessment.config.seed)
        # A split keeps the budget it was made with: the project's test_budget only reaches splits not made yet.
        more = (
            f"raise the split's budget with a recorded reason (POST /api/v1/splits/{split.id}/budget)"
            if split is not None
            else "raise the project's test_budget"
        )
        problems.add(
            assessment.item.where,
            f"this batch asks for {asked[key]} assessments of dataset {name!r} with seed "
            f"{assessment.config.seed}, and its test split has {budget.remaining} of {budget.limit} looks left. Run "
            f"fewer, give some another seed (a fresh split), or {more}.",
            "test_budget_exhausted",
            assessment.item.position,
        )


def looks(session: Session, dataset: DatasetPlan, seed: int) -> Budget:
    """The budget of the dataset's split with this seed, from the ledger; a split not made yet gets the
    project's budget as the batch leaves it."""
    project = dataset.project
    return planned_budget(
        session,
        None if dataset.is_new else dataset.row.id,
        seed,
        project_budget=int(project.changes.get("test_budget", project.row.test_budget)),
    )
