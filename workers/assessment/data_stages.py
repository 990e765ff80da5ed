"""Stages that look at the data: profile, split and checks."""

from __future__ import annotations

from typing import Any

from workers.assessment.context import AssessmentContext
from workers.checks import excluded_columns, run_checks
from workers.errors import InvalidOption, NoUsableFeatures
from workers.split import make_split


def profile_stage(ctx: AssessmentContext) -> dict[str, Any]:
    dataset = ctx.dataset
    unknown = [name for name in ctx.config.keep_columns if name not in dataset.columns]
    if unknown:
        raise InvalidOption(
            f"--keep-column names columns that are not features of this file: {', '.join(map(repr, unknown))}."
        )
    usable = dataset.trainable_columns() + [c for c in ctx.config.keep_columns if c in dataset.columns]
    if not usable:
        kinds = ", ".join(f"{p.name!r} ({p.kind})" for p in dataset.columns.values())
        raise NoUsableFeatures(
            f"No column can be learned from: {kinds or 'the file has only the target'}. A model needs at least "
            "one numeric, categorical or yes/no column with values in it."
        )
    return {
        "dataset": {
            "rows": dataset.n_rows,
            "columns": len(dataset.columns),
            "sha256": dataset.sha256,
            "target": dataset.target,
            "positive_label": dataset.positive_label,
            "positive_rate": dataset.positive_rate,
            "classes": dataset.classes,
            "class_counts": dataset.class_counts,
            "source": dataset.source,
            "file_bytes": dataset.file_bytes,
            "column_profiles": [profile.to_dict() for profile in dataset.columns.values()],
            "notes": dataset.notes,
        }
    }


def split_stage(ctx: AssessmentContext) -> dict[str, Any]:
    return {"split": make_split(ctx.dataset, seed=ctx.config.seed)}


def checks_stage(ctx: AssessmentContext) -> dict[str, Any]:
    dataset = ctx.dataset
    findings = run_checks(dataset, ctx.split)
    excluded = excluded_columns(dataset, findings, keep=set(ctx.config.keep_columns))
    used = [name for name in dataset.columns if name not in excluded]
    if not used:
        reasons = ", ".join(f"{name!r} ({why})" for name, why in excluded.items())
        raise NoUsableFeatures(
            f"Every column was left out: {reasons}. Keep a column you trust with --keep-column."
        )
    return {
        "findings": [finding.to_dict() for finding in findings],
        "excluded": excluded,
        "used_columns": used,
    }
