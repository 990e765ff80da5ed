"""The test budget, checked for the batch as a whole: each assessment spends one look of its dataset's
budget (shared by every seed of the dataset, and by the datasets whose rows it repeats), so a batch asking
for more looks than are left — counting those reserved by assessments already queued or running — would
fail at the end of its last assessments. It is refused now, before anything is recorded or trained."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlmodel import Session

from service.batches.plan import AssessmentPlan, BatchPlan, DatasetPlan
from service.batches.problems import Problems
from service.ledger.budget import Budget, any_split, planned_budget
from service.ledger.pools import pool_id_of


def check_budgets(session: Session, plan: BatchPlan, problems: Problems) -> None:
    """One problem per budget asked for too many looks, on its first assessment over the budget."""
    asked = Counter(_budget_key(session, a) for a in plan.assessments)
    seen: Counter[uuid.UUID] = Counter()
    for assessment in plan.assessments:
        key = _budget_key(session, assessment)
        seen[key] += 1
        budget = looks(session, assessment.dataset)
        if seen[key] != budget.remaining + 1:
            continue
        dataset = assessment.dataset
        name = dataset.item.label if dataset.item else str(dataset.row.id)
        split = None if dataset.is_new else any_split(session, key)
        # A split's budget is its pool's: the project's test_budget only reaches datasets not taken in yet.
        more = (
            f"raise the budget with a recorded reason (POST /api/v1/splits/{split.id}/budget)"
            if split is not None
            else "raise the project's test_budget"
        )
        reserved = f", {budget.reserved} reserved by assessments in flight" if budget.reserved else ""
        problems.add(
            assessment.item.where,
            f"this batch asks for {asked[key]} assessments of dataset {name!r} (any seed: every seed of a "
            f"dataset draws on one budget), and its test budget has {budget.remaining} of {budget.limit} "
            f"looks left ({budget.used} used{reserved}). Run fewer, or {more}.",
            "test_budget_exhausted",
            assessment.item.position,
        )


def _budget_key(session: Session, assessment: AssessmentPlan) -> uuid.UUID:
    """The budget an assessment draws on: its stored dataset's pool, or (a dataset this batch takes in) the
    new dataset's own."""
    dataset = assessment.dataset
    return dataset.row.id if dataset.is_new else pool_id_of(session, dataset.row.id)


def looks(session: Session, dataset: DatasetPlan) -> Budget:
    """The budget of the dataset's pool, from the ledger; a dataset not taken in yet gets the project's
    budget as the batch leaves it."""
    project = dataset.project
    return planned_budget(
        session,
        None if dataset.is_new else dataset.row.id,
        project_budget=int(project.changes.get("test_budget", project.row.test_budget)),
    )
