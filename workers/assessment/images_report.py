"""The report's `images` section from a finished assessment (`workers.images.summary` builds it).

Which model's mistakes the report shows follows the report's one recommendation: when the verdict ships
the baseline, the shipped baseline's; otherwise the compared deep model's (and the best baseline's when no
deep model was compared). The probabilities are the ones the test look kept (`TestLookOutput.test_proba`):
the test split is not looked at again.
"""

from __future__ import annotations

from typing import Any

from workers.assessment.context import AssessmentContext
from workers.assessment.noise_stage import label_noise_section
from workers.images.summary import images_section
from workers.split import TEST, TRAIN


def shown_model(ctx: AssessmentContext, ship_role: str | None) -> tuple[str, str]:
    """(model name, role) whose confidently wrong test images the report shows."""
    comparison = ctx.test_look.comparison
    if ship_role == "baseline" or comparison.deep is None:
        return comparison.best_baseline, "baseline"
    return comparison.deep, "deep"


def report_images(ctx: AssessmentContext, ship_role: str | None) -> dict[str, Any] | None:
    """The `images` section for an image dataset (None for a table). `ship_role` is the recommendation's
    shipped side ("baseline", "deep"), None when nothing is to be shipped yet."""
    if ctx.dataset.images is None:
        return None
    name, role = shown_model(ctx, ship_role)
    kept = ctx.test_look.test_proba or {}
    choice = ctx.validation_result.thresholds.get(name)
    return images_section(
        ctx.dataset,
        train_rows=ctx.split.indices(TRAIN),
        test_rows=ctx.split.indices(TEST),
        proba=kept.get(name),
        threshold=choice.threshold if choice is not None else None,
        model=name,
        role=role,
        label_suspects=(label_noise_section(ctx) or {}).get("suspects"),
    )
