"""Progress bars per stage in the terminal, fed from the assessment's progress as the job writes it, under an
overall bar with the elapsed time and an ETA."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from service.assessments.progress_summary import (
    STAGE_NAMES,
    STAGE_TITLES,
    eta_seconds,
    format_duration,
    stage_message,
    work_done,
)

__all__ = ["STAGE_TITLES", "ProgressView", "describe", "time_text"]
OVERALL = "overall"


def describe(stage: str, detail: dict[str, Any]) -> str:
    if detail.get("skipped"):
        return "skipped"
    if stage == "deep_model" and "epoch" in detail:
        parts = [f"epoch {detail['epoch']}", f"train loss {detail['train_loss']:.4f}"]
        if detail.get("val_loss") is not None:
            parts.append(f"val loss {detail['val_loss']:.4f}")
        if detail.get("val_roc_auc") is not None:
            parts.append(f"val AUC {detail['val_roc_auc']:.3f}")
        return ", ".join(parts)
    if stage == "learning_curve" and detail.get("points"):
        return f"{detail.get('points_done', 0)} of {detail['points']} points (each its own job)"
    if stage == "baselines" and detail.get("fitted"):
        last = detail["fitted"][-1]
        return f"{last['name']} ({last['seconds']:.1f}s)"
    return ""


def time_text(elapsed: float, eta: float | None) -> str:
    """ "elapsed 1m 05s, about 2m 10s left" (or "time left not yet known")."""
    left = f"about {format_duration(eta)} left" if eta is not None else "time left not yet known"
    return f"elapsed {format_duration(elapsed)}, {left}"


class ProgressView:
    """One bar per stage; earlier stages are complete once a later one is reported. Each baseline's
    validation AUC is printed as soon as the baselines exist: the number the deep model has to beat."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[detail]}"),
            console=console,
            disable=not enabled,
        )
        self._tasks: dict[str, TaskID] = {}
        self._started = time.monotonic()
        self._config: dict[str, Any] = {}

    def __enter__(self) -> ProgressView:
        self._started = time.monotonic()
        self._progress.start()
        self._tasks[OVERALL] = self._progress.add_task(
            "Overall", total=1.0, detail=time_text(0.0, None), start=True
        )
        for stage in STAGE_NAMES:
            self._tasks[stage] = self._progress.add_task(
                STAGE_TITLES[stage], total=1.0, detail="", start=False
            )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()

    def update(self, stage: str | None, fraction: float, detail: dict[str, Any]) -> None:
        if stage not in self._tasks:
            return
        for earlier in STAGE_NAMES[: STAGE_NAMES.index(stage)]:
            self._progress.start_task(self._tasks[earlier])
            self._progress.update(self._tasks[earlier], completed=1.0)
        self._progress.start_task(self._tasks[stage])
        words = stage_message(stage, detail)
        numbers = describe(stage, detail) if stage != "learning_curve" else ""
        if stage == "deep_model" and numbers.startswith("epoch"):
            numbers = numbers.partition(", ")[2]  # the epoch is in the words already
        text = words if not numbers or detail.get("skipped") else f"{words} ({numbers})"
        self._progress.update(self._tasks[stage], completed=fraction, detail=text)
        if detail.get("skipped") and stage in ("deep_model", "learning_curve"):
            self._config["run_deep" if stage == "deep_model" else "learning_curve"] = False
        elapsed = time.monotonic() - self._started
        done = work_done(stage, fraction, self._config)
        self._progress.update(
            self._tasks[OVERALL], completed=done, detail=time_text(elapsed, eta_seconds(elapsed, done))
        )

    def baselines(self, fitted: list[dict[str, Any]]) -> None:
        if not self.enabled:
            return
        for model in fitted:
            self._progress.console.print(
                f"  baseline {model['name']}: validation ROC-AUC {model['val_roc_auc']:.3f} ({model['seconds']:.1f}s)"
            )

    def finish(self) -> None:
        for task in self._tasks.values():
            self._progress.start_task(task)
            self._progress.update(task, completed=1.0)
        elapsed = format_duration(time.monotonic() - self._started)
        self._progress.update(self._tasks[OVERALL], detail=f"done in {elapsed}")
