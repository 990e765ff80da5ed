"""A project's journal as Markdown (to read and paste into a design doc) and as CSV (to analyse)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from service.models import Experiment
from workers.numbers import format_ci, format_metric

CSV_COLUMNS = (
    "created_at",
    "author",  # the person who submitted it (their key's person, or "login (cli)"); "worker" for an assessment's
    "id",
    "kind",
    "model_family",
    "train_fraction",
    "seed",
    "hyperparameters",
    "status",
    "val_roc_auc",
    "val_pr_auc",
    "test_roc_auc",
    "fingerprint",
    "repeat_of",
    "repeat_reason",
    "tags",
    "hypothesis",
    "inference",
)
# A cell starting with one of these is a formula to a spreadsheet: a hypothesis is not code to run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _metric(section: dict[str, Any] | None, name: str) -> float | None:
    """A metric as a number: validation stores plain values, a test look values with intervals."""
    value = (section or {}).get(name)
    if isinstance(value, dict):
        value = value.get("value")
    return value if isinstance(value, int | float) else None


def hyperparameter_text(experiment: Experiment) -> str:
    params = (experiment.procedure or {}).get("hyperparameters") or {}
    return ", ".join(f"{name}={value}" for name, value in sorted(params.items()))


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def journal_csv(experiments: Sequence[Experiment]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in experiments:
        validation = (e.result or {}).get("validation")
        test = (e.test_result or {}).get("metrics") or e.test_result
        row = {
            "created_at": e.created_at.isoformat(),
            "author": e.created_by,
            "id": str(e.id),
            "kind": e.kind.value,
            "model_family": e.model_family,
            "train_fraction": e.train_fraction,
            "seed": e.seed,
            "hyperparameters": hyperparameter_text(e),
            "status": e.status.value,
            "val_roc_auc": _metric(validation, "roc_auc"),
            "val_pr_auc": _metric(validation, "pr_auc"),
            "test_roc_auc": _metric(test, "roc_auc"),
            "fingerprint": e.fingerprint,
            "repeat_of": str(e.repeat_of) if e.repeat_of else "",
            "repeat_reason": e.repeat_reason or "",
            "tags": " ".join(e.tags or []),
            "hypothesis": e.hypothesis,
            "inference": e.inference,
        }
        writer.writerow(["" if row[c] is None else _safe_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines()) or "> (none)"


def journal_markdown(project_name: str, experiments: Sequence[Experiment]) -> str:
    lines = [f"# Lab journal — {project_name}", "", f"{len(experiments)} experiments, oldest first.", ""]
    for e in experiments:
        validation = (e.result or {}).get("validation") or {}
        test = (e.test_result or {}).get("metrics") or e.test_result or {}
        lines += [
            f"## {e.created_at:%Y-%m-%d %H:%M} UTC — {e.model_family} ({e.kind.value}) `{str(e.id)[:8]}`",
            "",
            f"By {e.created_by}.",
            "",
            "**Hypothesis**",
            "",
            _quote(e.hypothesis or "(none written)"),
            "",
            "**Procedure**",
            "",
            f"- dataset sha256 `{(e.procedure or {}).get('dataset_sha256', '?')[:12]}…`, "
            f"split seed {(e.procedure or {}).get('split_seed', '?')}, training seed {e.seed}, "
            f"training fraction {e.train_fraction:g}",
            f"- hyperparameters: {hyperparameter_text(e) or '(defaults)'}",
            f"- fingerprint `{e.fingerprint[:16]}`"
            + (f", a deliberate repeat of `{str(e.repeat_of)[:8]}`: {e.repeat_reason}" if e.repeat_of else ""),
            "",
            "**Result**",
            "",
        ]
        if e.status.value == "succeeded":
            lines.append(
                f"- validation ROC-AUC {format_metric(validation.get('roc_auc'))}, "
                f"PR-AUC {format_metric(validation.get('pr_auc'))}"
            )
            if test:
                lines.append(f"- test ROC-AUC {format_ci(test.get('roc_auc'))} (a budgeted look at the test split)")
        else:
            lines.append(f"- {e.status.value}" + (f": {e.error_detail}" if e.error_detail else ""))
        lines += ["", "**Inference**", "", _quote(e.inference or "(none written yet)"), ""]
    return "\n".join(lines)
