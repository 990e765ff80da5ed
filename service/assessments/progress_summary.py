"""What a running assessment is doing, in one phrase, with its elapsed time and an honest ETA: the same words
for the terminal (`readiness assess`), the API (`progress_info` of GET /api/v1/assessments/{id}) and the
dashboard's live page.

The ETA is simple: the elapsed time scaled by what is left of the work, the work measured by rough stage
weights (the models dominate; a skipped stage weighs nothing). It is `None` until there is something to
extrapolate from (a few seconds and a few percent), never negative, and 0 once the assessment succeeded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# The stages in order (workers.assessment.runner.STAGE_NAMES, copied so that this stays importable by the
# command line without the pipeline: tests/service/test_progress_summary.py checks they agree).
STAGE_NAMES: tuple[str, ...] = (
    "profile",
    "split",
    "checks",
    "baselines",
    "deep_model",
    "validation",
    "label_noise",
    "learning_curve",
    "test_look",
    "report",
)
STAGE_TITLES = {
    "profile": "Load and profile",
    "split": "Split 60/20/20",
    "checks": "Data checks",
    "baselines": "Baselines",
    "deep_model": "Deep model",
    "validation": "Select on validation",
    "label_noise": "Label noise",
    "learning_curve": "Learning curves",
    "test_look": "Test look",
    "report": "Report",
}
# What each stage is doing when its detail says no more.
STAGE_PHRASES = {
    "profile": "loading and profiling the data",
    "split": "splitting 60/20/20",
    "checks": "running the data checks",
    "baselines": "fitting the baselines",
    "deep_model": "training the deep model",
    "validation": "selecting on validation",
    "label_noise": "estimating label noise",
    "learning_curve": "learning curve: starting the points",
    "test_look": "bootstrapping test metrics",
    "report": "writing the report",
}
# Rough shares of an assessment's time (breast cancer and churn on a CPU); only the ETA uses them.
STAGE_WEIGHTS = {
    "profile": 0.02,
    "split": 0.01,
    "checks": 0.04,
    "baselines": 0.18,
    "deep_model": 0.35,
    "validation": 0.02,
    "label_noise": 0.02,
    "learning_curve": 0.30,
    "test_look": 0.06,
    "report": 0.02,
}
MIN_ELAPSED_FOR_ETA = 3.0
MIN_DONE_FOR_ETA = 0.03


def stage_message(stage: str | None, detail: dict[str, Any] | None, *, waiting: bool = False) -> str:
    """A short phrase: "fitting XGBoost", "training the deep model, epoch 7 of ≤60", "learning curve: 4 of 6
    points done (each its own job)" — the last part while the assessment is `waiting` for its points."""
    detail = detail or {}
    if stage is None:
        return "waiting for a worker"
    if detail.get("skipped"):
        return f"{STAGE_TITLES.get(stage, stage).lower()}: skipped"
    if stage == "baselines":
        if detail.get("fitting"):
            return f"fitting {detail['fitting']}"
        fitted = detail.get("fitted")
        if isinstance(fitted, list) and fitted and isinstance(fitted[-1], dict):
            return f"fitted {fitted[-1].get('name', 'the baselines')}"
    if stage == "deep_model" and isinstance(detail.get("epoch"), int):
        cap = detail.get("max_epochs")
        # Which deep model, where the detail says (the ResNet-MLP and TabM train one after the other).
        model = detail.get("model") if isinstance(detail.get("model"), str) else "the deep model"
        return f"training {model}, epoch {detail['epoch']}" + (f" of ≤{cap}" if cap else "")
    if stage == "learning_curve" and detail.get("points"):
        text = f"learning curve: {detail.get('points_done', 0)} of {detail['points']} points done"
        # The flag in the detail: rows written before the status `waiting` existed.
        return text + (" (each its own job)" if waiting or detail.get("waiting_for_points") else "")
    return STAGE_PHRASES.get(stage, stage)


def _weights(config: dict[str, Any] | None) -> dict[str, float]:
    config = config or {}
    weights = dict(STAGE_WEIGHTS)
    if config.get("run_deep") is False:
        weights["deep_model"] = 0.0
    if config.get("learning_curve") is False:
        weights["learning_curve"] = 0.0
    return weights


def work_done(stage: str | None, fraction: float, config: dict[str, Any] | None = None) -> float:
    """The share of the assessment's work done, 0..1, by stage weights."""
    if stage not in STAGE_NAMES:
        return 0.0
    weights = _weights(config)
    index = STAGE_NAMES.index(stage)
    done = sum(weights[name] for name in STAGE_NAMES[:index])
    done += weights[stage] * min(max(fraction, 0.0), 1.0)
    return min(done / sum(weights.values()), 1.0)


def eta_seconds(elapsed: float | None, done: float) -> float | None:
    """Seconds left at the pace so far; None when there is not enough to go on."""
    if elapsed is None or elapsed < MIN_ELAPSED_FOR_ETA or done < MIN_DONE_FOR_ETA:
        return None
    if done >= 1.0:
        return 0.0
    return round(max(elapsed * (1.0 - done) / done, 0.0), 1)


def summarize(
    *,
    status: str,
    stage: str | None,
    fraction: float,
    detail: dict[str, Any] | None,
    config: dict[str, Any] | None,
    started_at: datetime | None,
    finished_at: datetime | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """{stage, stage_title, fraction, detail, message, elapsed_seconds, eta_seconds} of an assessment."""
    now = now or datetime.now(UTC)
    elapsed = None
    if started_at is not None:
        end = finished_at or now
        if started_at.tzinfo is None:
            started_at = started_at.replace(tzinfo=UTC)
        if end.tzinfo is None:
            end = end.replace(tzinfo=UTC)
        elapsed = round(max((end - started_at).total_seconds(), 0.0), 1)
    if status == "succeeded":
        done, eta = 1.0, 0.0
    elif status in ("failed", "cancelled"):
        done, eta = work_done(stage, fraction, config), None
    else:
        done = work_done(stage, fraction, config)
        # A waiting assessment's points are running: its clock runs as much as a running one's.
        eta = eta_seconds(elapsed, done) if status in ("running", "waiting") else None
    if status == "queued":
        message = "waiting for a worker"
    elif status in ("failed", "cancelled"):
        message = f"{status} during {STAGE_TITLES.get(stage or '', stage or 'the start').lower()}"
    elif status == "succeeded":
        message = "done"
    else:
        message = stage_message(stage, detail, waiting=status == "waiting")
    return {
        "stage": stage,
        "stage_title": STAGE_TITLES.get(stage or "", "Waiting for a worker"),
        "fraction": round(min(max(fraction, 0.0), 1.0), 4),
        "detail": detail or {},
        "message": message,
        "work_done": round(done, 4),
        "elapsed_seconds": elapsed,
        "eta_seconds": eta,
    }


def format_duration(seconds: float | None) -> str:
    """ "42s", "3m 05s", "1h 02m"; "–" when unknown."""
    if seconds is None:
        return "–"
    whole = round(max(seconds, 0.0))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def summarize_record(assessment: Any) -> dict[str, Any]:
    """`summarize` of an assessment row (anything with its fields: this module imports no model, so the
    command line that uses it starts without the database libraries)."""
    status = assessment.status
    return summarize(
        status=getattr(status, "value", status),
        stage=assessment.stage,
        fraction=min(max(assessment.progress or 0.0, 0.0), 1.0),
        detail=assessment.progress_detail,
        config=assessment.config,
        started_at=assessment.started_at,
        finished_at=assessment.finished_at,
    )
