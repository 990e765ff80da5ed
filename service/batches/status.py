"""Where a batch stands, derived from the records its items made: an assessment's status and stage, a grid's
points, a project or dataset (done once created). Nothing is stored twice, so nothing can disagree."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar

from sqlalchemy import select
from sqlmodel import Session, col

from service.assessments.progress_view import STAGE_TITLES, describe
from service.journal.grids import grid_points, grid_progress
from service.models import Assessment, AssessmentStatus, Batch, BatchItem, Dataset, Grid, Project
from workers.assessment.runner import STAGE_NAMES
from workers.report.model import Report, as_report

ENDED = ("succeeded", "failed", "cancelled")
JOB_KINDS = ("assessment", "grid")  # the kinds whose records run as jobs


class _ItemOf(TypedDict):
    """The fields of an `ItemStatus` that come from the batch item itself, whatever its record's state."""

    position: int
    kind: str
    label: str
    target_id: uuid.UUID | None


Error = dict[str, str | None]  # {"code", "detail"} of a failed item


@dataclass(frozen=True)
class ItemStatus:
    position: int
    kind: str
    label: str
    target_id: uuid.UUID | None
    status: str  # queued | running | succeeded | failed | cancelled
    progress: float  # 0..1 over the whole item
    detail: str = ""  # the progress in words: "Baselines: XGBoost (1.2s)", "3 of 5 points"
    stage: str | None = None  # an assessment's current stage
    done: int | None = None  # a grid's points that have ended, of `total`
    total: int | None = None
    error: Error | None = None
    result: dict[str, Any] = field(default_factory=dict)  # headline: verdict, ROC-AUCs, rows

    @property
    def ended(self) -> bool:
        return self.status in ENDED


@dataclass(frozen=True)
class BatchStatus:
    batch: Batch
    status: str  # queued | running | succeeded | failed | cancelled
    items: list[ItemStatus]

    @property
    def counts(self) -> dict[str, int]:
        """Items by status."""
        return dict(Counter(item.status for item in self.items))

    @property
    def ended(self) -> bool:
        return self.status in ENDED


def batch_status(session: Session, batch: Batch) -> BatchStatus:
    """Every item's state and progress, and the batch's: failed if any item failed, once all have ended."""
    items = list(
        session.scalars(
            select(BatchItem).where(col(BatchItem.batch_id) == batch.id).order_by(col(BatchItem.position))
        )
    )
    rows = _targets(session, items)
    states = [_item_status(session, item, rows.get(item.target_id)) for item in items]
    return BatchStatus(batch=batch, status=overall_status(states), items=states)


def overall_status(items: Iterable[ItemStatus]) -> str:
    items = list(items)
    if all(item.ended for item in items):
        for outcome in ("failed", "cancelled"):
            if any(item.status == outcome for item in items):
                return outcome
        return "succeeded"
    started = any(
        item.status == "running" or (item.kind in JOB_KINDS and (item.ended or item.done)) for item in items
    )
    return "running" if started else "queued"


Target = Project | Dataset | Assessment | Grid  # the record a batch item made
_Row = TypeVar("_Row", Project, Dataset, Assessment, Grid)


def _targets(session: Session, items: list[BatchItem]) -> dict[uuid.UUID | None, Target]:
    """The records the items made, by id: one query per kind that has items."""

    def ids(kind: str) -> list[uuid.UUID]:
        return [item.target_id for item in items if item.kind == kind and item.target_id is not None]

    return {
        **_by_id(session, Project, ids("project")),
        **_by_id(session, Dataset, ids("dataset")),
        **_by_id(session, Assessment, ids("assessment")),
        **_by_id(session, Grid, ids("grid")),
    }


def _by_id(session: Session, model: type[_Row], ids: list[uuid.UUID]) -> dict[uuid.UUID | None, _Row]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(col(model.id).in_(ids)))}


def _item_status(session: Session, item: BatchItem, row: Target | None) -> ItemStatus:
    base = _ItemOf(position=item.position, kind=item.kind, label=item.label, target_id=item.target_id)
    if row is None:
        error: Error = {"code": "not_found", "detail": f"The {item.kind} this item made no longer exists."}
        return ItemStatus(**base, status="failed", progress=1.0, error=error)
    if isinstance(row, Assessment):
        return _assessment_status(base, row)
    if isinstance(row, Grid):
        return _grid_status(session, base, row)
    if isinstance(row, Project):
        readiness = row.readiness or {}
        result = {key: readiness[key] for key in ("overall", "verdict") if readiness.get(key) is not None}
        return ItemStatus(**base, status="succeeded", progress=1.0, detail="recorded", result=result)
    result = {"rows": row.rows, "columns": row.columns}
    return ItemStatus(**base, status="succeeded", progress=1.0, detail="recorded", result=result)


def _assessment_status(base: _ItemOf, row: Assessment) -> ItemStatus:
    # For a batch an assessment waiting for its learning-curve points is running; its detail says so.
    status = "running" if row.status == AssessmentStatus.waiting else row.status.value
    if row.status in (AssessmentStatus.succeeded, AssessmentStatus.failed, AssessmentStatus.cancelled):
        progress = 1.0
    elif row.stage in STAGE_NAMES:
        progress = (STAGE_NAMES.index(row.stage) + min(max(row.progress, 0.0), 1.0)) / len(STAGE_NAMES)
    else:
        progress = 0.0
    detail = ""
    if row.status in (AssessmentStatus.running, AssessmentStatus.waiting) and row.stage in STAGE_TITLES:
        words = describe(row.stage, row.progress_detail or {})
        detail = STAGE_TITLES[row.stage] + (f": {words}" if words else "")
    error: Error | None = {"code": row.error_code, "detail": row.error_detail} if row.error_code else None
    return ItemStatus(
        **base,
        status=status,
        progress=progress,
        detail=detail or status,
        stage=row.stage,
        error=error,
        result=assessment_headline(row.report) if row.report else {},
    )


def assessment_headline(report: Report | Mapping[str, Any]) -> dict[str, Any]:
    """The verdict, and the model with the best validation ROC-AUC with its test ROC-AUC."""
    report = as_report(report)
    headline: dict[str, Any] = {"verdict": report.verdict.code if report.verdict else None}
    scored = [
        (_number((model.validation or {}).get("roc_auc")), model)
        for model in report.models
        if model.status == "ok"
    ]
    ranked = [(auc, model) for auc, model in scored if auc is not None]
    if ranked:
        auc, best = max(ranked, key=lambda pair: pair[0])
        test_auc = best.test.roc_auc if best.test else None
        headline.update(
            best_model=best.name,
            validation_roc_auc=auc,
            test_roc_auc=_number(test_auc.value if test_auc else None),
        )
    return headline


def _grid_status(session: Session, base: _ItemOf, grid: Grid) -> ItemStatus:
    counts = grid_progress(session, grid)
    done = sum(counts.get(state, 0) for state in ENDED)
    if done < grid.points:
        status = "running" if done or counts.get("running") else "queued"
    elif counts.get("failed"):
        status = "failed"
    elif counts.get("cancelled"):
        status = "cancelled"
    else:
        status = "succeeded"
    points = [experiment for _, experiment in grid_points(session, grid.id)]
    aucs = [
        auc
        for experiment in points
        if (auc := _number(((experiment.result or {}).get("validation") or {}).get("roc_auc"))) is not None
    ]
    result: dict[str, Any] = {"validation_roc_auc": max(aucs)} if aucs else {}
    failed = [experiment for experiment in points if experiment.status.value == "failed"]
    error: Error | None = None
    if failed:
        first = failed[0]
        error = {
            "code": first.error_code or "failed",
            "detail": f"{len(failed)} of {grid.points} points failed; the first: {first.error_detail or first.error_code}",
        }
    return ItemStatus(
        **base,
        status=status,
        progress=done / grid.points if grid.points else 1.0,
        detail=f"{done} of {grid.points} points"
        + (f", {counts['running']} running" if counts.get("running") else ""),
        done=done,
        total=grid.points,
        error=error,
        result=result,
    )


def _number(value: Any) -> float | None:
    """A metric as stored: a number, or `{value, ci_low, ci_high}`."""
    if isinstance(value, Mapping):
        value = value.get("value")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
