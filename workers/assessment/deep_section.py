"""The report's `deep` section: every deep family the assessment trained, and which one it compared.

The assessment trains the ResNet-MLP and TabM and compares the one with the best validation ROC-AUC with
the best baseline; this section says which one that was, why, and what each candidate scored and cost.
"""

from __future__ import annotations

from typing import Any

from workers.assessment.outputs import DeepOutput


def deep_section(deep: DeepOutput) -> dict[str, Any] | None:
    """`{chosen_family, chosen, chosen_because, selected_on, metric, candidates}`, or None when no deep
    model was asked for. Each candidate: family, name, status ("ok"/"failed"), validation ROC-AUC, fit
    seconds, device, and for TabM the device profile and the time budget it trained under."""
    candidates = deep.all_candidates()
    if deep.skipped or not candidates:
        return None
    return {
        "chosen_family": deep.family,
        "chosen": deep.model.name if deep.model is not None else None,
        "chosen_because": deep.chosen_because,
        "selected_on": "validation",
        "metric": "roc_auc",
        "candidates": [
            {
                "family": c.family,
                "name": c.name,
                "status": "ok" if c.model is not None else "failed",
                "val_roc_auc": c.val_roc_auc,
                "fit_seconds": c.fit_seconds,
                "device": c.device,
                "profile": c.diagnostics.get("profile"),
                "time_budget_s": c.diagnostics.get("time_budget_s"),
                "stop_reason": c.diagnostics.get("stop_reason"),
                "chosen": deep.model is not None and c.model is not None and c.name == deep.model.name,
            }
            for c in candidates
        ],
    }


def selected_as(name: str, best_baseline: str, deep: DeepOutput) -> str | None:
    """A model entry's `selected_as`: "best_baseline", "deep" (the deep model chosen on validation) or None."""
    if name == best_baseline:
        return "best_baseline"
    if deep.model is not None and name == deep.model.name:
        return "deep"
    return None
