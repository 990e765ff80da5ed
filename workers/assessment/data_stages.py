"""Stages that look at the data: profile, split and checks — each the saved view of one preparation.

The split stage asks the context's `prepare_data` for the dataset prepared once (profile → split →
checks); the checks stage reads the same `Prepared`. The profile stage only profiles: a file with nothing to
learn from is refused there, before anything is split. A split too small to use, or checks that leave no
column, fail in the split stage, where the preparation runs (its time is that stage's).
"""

from __future__ import annotations

from typing import Any

from workers.assessment.context import AssessmentContext
from workers.preparation import profile_dataset


def profile_stage(ctx: AssessmentContext) -> dict[str, Any]:
    profile = profile_dataset(ctx.dataset, keep_columns=ctx.config.keep_columns)
    return {"dataset": profile.to_dict()}


def split_stage(ctx: AssessmentContext) -> dict[str, Any]:
    return {"split": ctx.prepared.split}


def checks_stage(ctx: AssessmentContext) -> dict[str, Any]:
    prepared = ctx.prepared
    return {
        "findings": prepared.findings_dicts(),
        "excluded": dict(prepared.excluded),
        "used_columns": list(prepared.used_columns),
    }
