"""A batch in the terminal: a live bar per assessment and grid while it runs, and a summary table at the end."""

from __future__ import annotations

from collections import Counter
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from service.batches.status import JOB_KINDS, BatchStatus, ItemStatus
from workers.numbers import format_metric

STATUS_STYLE = {
    "queued": "dim",
    "running": "cyan",
    "succeeded": "green",
    "failed": "bold red",
    "cancelled": "yellow",
}
MAX_LABEL_CHARS = 32  # in the bars; the table wraps


def item_counts(state: BatchStatus) -> str:
    """ "2 projects, 2 datasets, 2 assessments, 1 grid" in the file's order of kinds."""
    kinds = Counter(item.kind for item in state.items)
    return ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in kinds.items())


class BatchProgress:
    """One bar per assessment (its stages, weighted equally) and per grid (its points)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            TextColumn("{task.fields[detail]}"),
            console=console,
        )
        self._tasks: dict[int, TaskID] = {}

    def __enter__(self) -> BatchProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()

    def update(self, state: BatchStatus) -> None:
        for item in state.items:
            if item.kind not in JOB_KINDS:
                continue
            total = float(item.total) if item.kind == "grid" and item.total else 1.0
            completed = float(item.done or 0) if item.kind == "grid" else item.progress
            if item.position not in self._tasks:
                label = (
                    item.label
                    if len(item.label) <= MAX_LABEL_CHARS
                    else item.label[: MAX_LABEL_CHARS - 1] + "…"
                )
                self._tasks[item.position] = self._progress.add_task(
                    f"{item.kind} {label}", total=total, status="", detail=""
                )
            style = STATUS_STYLE.get(item.status, "")
            self._progress.update(
                self._tasks[item.position],
                total=total,
                completed=completed,
                status=f"[{style}]{item.status}[/]",
                detail=item.detail if item.status == "running" else "",
            )


def result_text(item: ItemStatus) -> Text:
    """The item's headline, or what went wrong."""
    if item.error and item.status in ("failed", "cancelled"):
        return Text(f"{item.error.get('code')}: {item.error.get('detail')}", style="red")
    result = item.result
    if item.kind == "project":
        if "overall" not in result:
            return Text("recorded")
        verdict = str(result.get("verdict", "")).replace("_", " ")
        return Text(f"readiness {result['overall']}" + (f" ({verdict})" if verdict else ""))
    if item.kind == "dataset":
        return Text(f"{result.get('rows')} rows × {result.get('columns')} columns")
    parts = []
    if item.kind == "assessment":
        if result.get("verdict"):
            parts.append(f"verdict {result['verdict']}")
        if result.get("best_model"):
            parts.append(
                f"best {result['best_model']}: validation ROC-AUC {format_metric(result.get('validation_roc_auc'))}, "
                f"test {format_metric(result.get('test_roc_auc'))}"
            )
    else:
        parts.append(f"{item.done} of {item.total} points")
        if "validation_roc_auc" in result:
            parts.append(f"best validation ROC-AUC {format_metric(result['validation_roc_auc'])}")
    return Text(" · ".join(parts) or item.detail)


def summary_table(state: BatchStatus) -> Table:
    table = Table(title=f"Batch {state.batch.id} — {state.status}", title_justify="left", expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Item")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Result")
    for item in state.items:
        table.add_row(
            str(item.position),
            item.label,
            item.kind,
            Text(item.status, style=STATUS_STYLE.get(item.status, "")),
            result_text(item),
        )
    return table
