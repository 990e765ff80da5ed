"""Progress bars per stage in the terminal, fed from the assessment's progress as the job writes it."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from workers.assessment.runner import STAGE_NAMES

STAGE_TITLES = {
    "profile": "Load and profile",
    "split": "Split 60/20/20",
    "checks": "Data checks",
    "baselines": "Baselines",
    "deep_model": "Deep model",
    "validation": "Select on validation",
    "learning_curve": "Learning curves",
    "test_look": "Test look",
    "report": "Report",
}


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

    def __enter__(self) -> ProgressView:
        self._progress.start()
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
        self._progress.update(self._tasks[stage], completed=fraction, detail=describe(stage, detail))

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
