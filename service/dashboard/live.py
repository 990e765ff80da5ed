"""Where a running assessment stands, in the shape the assessment page's script polls for: the stage list,
the overall progress, a sentence, and the deep model's latest epoch (the page grows its loss curve from
these, one poll at a time)."""

from __future__ import annotations

from typing import Any

from service.assessments.progress_summary import (
    STAGE_NAMES,
    STAGE_TITLES,
    format_duration,
    stage_message,
    summarize_record,
)
from service.models import Assessment, AssessmentStatus
from workers.numbers import format_loss, format_metric, format_percent

FINISHED = (AssessmentStatus.succeeded, AssessmentStatus.failed, AssessmentStatus.cancelled)
# Under way: its own job runs, or the learning-curve points it waits for do.
UNDER_WAY = (AssessmentStatus.running, AssessmentStatus.waiting)
POLL_MILLISECONDS = 1000


def _stage_state(index: int, current: int, status: AssessmentStatus) -> str:
    if status == AssessmentStatus.succeeded or index < current:
        return "done"
    if index == current:
        return "active" if status not in FINISHED else "stopped"
    return "pending"


def _epoch(stage: str | None, detail: dict[str, Any]) -> dict[str, Any] | None:
    if stage != "deep_model" or not isinstance(detail.get("epoch"), int):
        return None
    epoch = {key: detail.get(key) for key in ("epoch", "train_loss", "val_loss", "val_roc_auc")}
    if isinstance(detail.get("model"), str):
        # Which deep model the epoch is of: the ResNet-MLP's epochs come first, then TabM's, each from 1.
        epoch["model"] = detail["model"]
    return epoch


def describe(stage: str | None, detail: dict[str, Any]) -> str:
    """The latest step in words: "epoch 7: training loss 0.0848, validation loss 0.464, validation ROC-AUC
    0.991" while the deep model trains, the last baseline fitted while the baselines do."""
    if detail.get("skipped"):
        return f"{STAGE_TITLES.get(stage or '', stage)}: skipped"
    if (epoch := _epoch(stage, detail)) is not None:
        parts = [f"training loss {format_loss(epoch['train_loss'])}"]
        if epoch["val_loss"] is not None:
            parts.append(f"validation loss {format_loss(epoch['val_loss'])}")
        if epoch["val_roc_auc"] is not None:
            parts.append(f"validation ROC-AUC {format_metric(epoch['val_roc_auc'])}")
        return f"Epoch {epoch['epoch']}: " + ", ".join(parts)
    fitted = detail.get("fitted")
    if stage == "baselines" and isinstance(fitted, list) and fitted and isinstance(fitted[-1], dict):
        text = f"Fitted {fitted[-1].get('name', 'a baseline')}"
        return text + (f"; fitting {detail['fitting']}" if detail.get("fitting") else "")
    return ""


def _text(assessment: Assessment, detail: dict[str, Any]) -> str:
    """`describe`, or while it runs what the stage is doing: the page never goes dark."""
    text = describe(assessment.stage, detail)
    if text or assessment.stage is None or assessment.status not in UNDER_WAY:
        return text
    phrase = stage_message(assessment.stage, detail, waiting=assessment.status == AssessmentStatus.waiting)
    return phrase[:1].upper() + phrase[1:]


def _time_text(elapsed: float | None, eta: float | None, status: AssessmentStatus) -> str:
    if elapsed is None:
        return ""
    text = f"Elapsed {format_duration(elapsed)}"
    if status in UNDER_WAY:
        text += f" · about {format_duration(eta)} left" if eta is not None else " · time left not yet known"
    return text


def progress(assessment: Assessment) -> dict[str, Any]:
    """The assessment's progress as JSON for the page's poller (and its first render)."""
    detail = assessment.progress_detail or {}
    status = assessment.status
    current = STAGE_NAMES.index(assessment.stage) if assessment.stage in STAGE_NAMES else -1
    fraction = min(max(assessment.progress or 0.0, 0.0), 1.0)
    overall = 1.0 if status == AssessmentStatus.succeeded else max(current, 0) / len(STAGE_NAMES)
    if current >= 0 and status != AssessmentStatus.succeeded:
        overall += fraction / len(STAGE_NAMES)
    info = summarize_record(assessment)
    return {
        "status": status.value,
        "finished": status in FINISHED,
        "stage": assessment.stage,
        "stage_title": STAGE_TITLES.get(assessment.stage or "", "Waiting for a worker"),
        "overall": round(overall, 4),
        "overall_text": format_percent(overall),
        "text": _text(assessment, detail),
        "message": info["message"],
        "elapsed_seconds": info["elapsed_seconds"],
        "eta_seconds": info["eta_seconds"],
        "time_text": _time_text(info["elapsed_seconds"], info["eta_seconds"], status),
        "epoch": _epoch(assessment.stage, detail),
        "cancel_requested": assessment.cancel_requested,
        "stages": [
            {"key": name, "title": STAGE_TITLES.get(name, name), "state": _stage_state(i, current, status)}
            for i, name in enumerate(STAGE_NAMES)
        ],
    }
