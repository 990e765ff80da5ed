"""Which deep model the comparison uses, in words every reader shows (HTML, terminal, dashboard).

An assessment trains the ResNet-MLP and TabM and compares the one with the best validation ROC-AUC with
the best baseline (the report's `deep` section). A reader shows one sentence saying which and why, and a
row per candidate: validation ROC-AUC, fit seconds, and for TabM the device profile and time budget.
"""

from __future__ import annotations

from typing import Any

from workers.report.model import DeepCandidate, DeepSection, Report, present


def deep_choice(report: Report) -> dict[str, Any] | None:
    """`{sentence, candidates: [{name, status, chosen, val_roc_auc, fit_seconds, setting}]}`, or None for a
    report without a `deep` section (no deep model asked for, or made before TabM)."""
    section = present(report.deep)
    if section is None or not section.candidates:
        return None
    return {"sentence": choice_sentence(section), "candidates": [_row(c) for c in section.candidates]}


def choice_sentence(section: DeepSection) -> str:
    """ "Deep model compared: TabM, the best of 2 deep models on validation ROC-AUC (…)." """
    n = len(section.candidates)
    if section.chosen is None:
        return f"No deep model could be compared: all {n} deep models trained failed their overfit check."
    because = section.chosen_because or "it has the best validation ROC-AUC of the deep models"
    return f"Deep model compared: {section.chosen}, chosen from {n} deep models on validation — {because}"


def setting(candidate: DeepCandidate) -> str:
    """How it trained, in a few words: "CPU profile, 30 s budget" for TabM, "" for the ResNet-MLP."""
    parts = []
    if candidate.profile:
        parts.append(f"{candidate.profile.upper()} profile")
    if candidate.time_budget_s is not None:
        parts.append(f"{candidate.time_budget_s:g} s budget")
    return ", ".join(parts)


def _row(candidate: DeepCandidate) -> dict[str, Any]:
    return {
        "name": candidate.name or candidate.family or "deep model",
        "status": candidate.status or "ok",
        "chosen": bool(candidate.chosen),
        "val_roc_auc": candidate.val_roc_auc,
        "fit_seconds": candidate.fit_seconds,
        "setting": setting(candidate),
        "stop_reason": candidate.stop_reason,
    }
