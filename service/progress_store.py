"""An in-memory assessment store that shows progress in the terminal as the stages run."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from workers.assessment.runner import STAGE_NAMES
from workers.assessment.store import InMemoryStore

STAGE_TITLES = {
    "profile": "Load and profile",
    "split": "Split 60/20/20",
    "checks": "Data checks",
    "baselines": "Baselines",
    "deep_model": "Deep model",
    "validation": "Select on validation",
    "test_look": "Test look",
    "report": "Report",
}


class ConsoleStore(InMemoryStore):
    """Progress bars per stage, and each stage's headline printed as soon as it exists."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        super().__init__()
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

    def __enter__(self) -> ConsoleStore:
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

    def progress(self, stage: str, fraction: float, detail: dict[str, Any] | None = None) -> None:
        super().progress(stage, fraction, detail)
        task = self._tasks.get(stage)
        if task is None:
            return
        self._progress.start_task(task)
        self._progress.update(task, completed=fraction, detail=self._describe(stage, detail or {}))

    @staticmethod
    def _describe(stage: str, detail: dict[str, Any]) -> str:
        if stage == "deep_model" and "epoch" in detail:
            parts = [f"epoch {detail['epoch']}", f"train loss {detail['train_loss']:.4f}"]
            if detail.get("val_loss") is not None:
                parts.append(f"val loss {detail['val_loss']:.4f}")
            if detail.get("val_roc_auc") is not None:
                parts.append(f"val AUC {detail['val_roc_auc']:.3f}")
            return ", ".join(parts)
        if detail.get("skipped"):
            return "skipped"
        if stage == "baselines" and "fitted" in detail:
            return f"{detail['fitted']} ({detail['seconds']:.1f}s)"
        return ""

    def save_stage(self, stage: str, output: Any) -> None:
        super().save_stage(stage, output)
        if not self.enabled:
            return
        if stage == "checks":
            errors = [f for f in output["findings"] if f["severity"] == "error"]
            for finding in errors:
                self._progress.console.print(f"[bold red]error[/] {finding['check']}: {finding['message']}")
        elif stage == "baselines":
            self._progress.console.print(self._baseline_table(output))

    @staticmethod
    def _baseline_table(output: dict[str, Any]) -> Table:
        # Shown as soon as the baselines exist: the number a deep model has to beat.
        table = Table(title="Baselines on validation", title_justify="left")
        table.add_column("Model")
        table.add_column("ROC-AUC", justify="right")
        table.add_column("Fit s", justify="right")
        for model in output["models"]:
            table.add_row(model.name, f"{output['val_roc_auc'][model.name]:.3f}", f"{model.fit_seconds:.1f}")
        return table
