"""What the deep section shows of a model's diagnostics beyond the fields it was written for.

The deep section (`workers.report.html._deep_view`) was written for the ResNet-MLP and TabM. Later families
add their own keys (the CNN its architecture and augmentation, the transfer model its backbone, input size
and two training phases), and a reader should see them without a template change per key. So:

- every extra key of the diagnostics with a plain value (text, number, yes/no, a short list) is shown as a
  fact, under its name in words ("input_size" → "Input size");
- `initialisation_by_layer` (the He/Glorot choice per layer, a practice the talks teach) is a table;
- `phases` (`{name: {what, lr, epochs, best_epoch, val_loss, stop_reason, skipped, reason}}`) and
  `kept_phase` are a table of the phases, the kept one marked;
- the overfit check's `on` (what was memorised, e.g. the head over frozen features) is a fact.

Nested values other than these (per-phase gradient norms, states) are left to the JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workers.numbers import as_number, format_count, format_loss, format_lr, format_seconds
from workers.report.model import DeepSection, Diagnostics, ModelEntry, present

# Diagnostics keys that `_deep_view` and the template already show, or that are a baseline's: not repeated.
SHOWN_ELSEWHERE = frozenset(Diagnostics.model_fields) | {"phases", "kept_phase"}
SHORT_LIST = 8  # a list longer than this is data, not a setting: left to the JSON


def _words(key: str) -> str:
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _text(key: str, value: Any) -> str | None:
    """A plain value as a fact's text, or None for a value that is not plain (a dict, a long list)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value or None
    if (number := as_number(value)) is not None:
        if key.endswith("_s") or key.endswith("seconds"):
            return format_seconds(number)
        if key == "lr" or key.endswith("_lr"):
            return format_lr(number)
        return format_count(number) if float(number).is_integer() else f"{number:.4g}"
    if isinstance(value, list) and 0 < len(value) <= SHORT_LIST:
        parts = [_text(key, item) for item in value]
        return ", ".join(p for p in parts if p) if all(parts) else None
    return None


def extra_facts(diagnostics: Diagnostics) -> list[tuple[str, str]]:
    """(name in words, value) of each plain extra key, in the order the trainer wrote them; the time budget
    too when no TabM profile line shows it."""
    facts = []
    if diagnostics.profile is None and (budget := as_number(diagnostics.time_budget_s)) is not None:
        facts.append(("Time budget", format_seconds(budget)))
    overfit = present(diagnostics.overfit_check)
    if overfit is not None and (on := _text("on", (overfit.model_extra or {}).get("on"))):
        facts.append(("Overfit check on", on))
    for key, value in (diagnostics.model_extra or {}).items():
        if key in SHOWN_ELSEWHERE:
            continue
        if (text := _text(key, value)) is not None:
            facts.append((_words(key), text))
    return facts


def phases(diagnostics: Diagnostics) -> list[dict[str, Any]]:
    """The training phases (transfer learning's frozen head, then fine-tuning), one row each."""
    extra = diagnostics.model_extra or {}
    given = extra.get("phases")
    if not isinstance(given, Mapping):
        return []
    kept = extra.get("kept_phase")
    rows = []
    for name, phase in given.items():
        if not isinstance(phase, Mapping):
            continue
        epochs = phase.get("epochs")
        rows.append(
            {
                "name": _words(str(name)),
                "what": phase.get("what") or phase.get("reason") or "",
                "skipped": bool(phase.get("skipped")),
                "lr": format_lr(phase.get("lr")),
                "epochs": len(epochs) if isinstance(epochs, list) else None,
                "best_epoch": phase.get("best_epoch"),
                "val_loss": format_loss(phase.get("val_loss")),
                "stop_reason": phase.get("stop_reason") or "",
                "kept": name == kept,
            }
        )
    return rows


def deep_extras(diagnostics: Diagnostics | None, slug: str = "deep") -> dict[str, Any]:
    """The deep view's extra parts: `extra_facts`, `initialisation_by_layer` as (layer, scheme) rows and
    `phases`; each empty when the diagnostics have none. `slug` keeps element ids apart when a page shows
    several deep models."""
    if diagnostics is None:
        return {"slug": slug, "extra_facts": [], "init_layers": [], "phases": []}
    return {
        "slug": slug,
        "extra_facts": extra_facts(diagnostics),
        "init_layers": [
            (str(layer), str(scheme)) for layer, scheme in diagnostics.initialisation_by_layer.items()
        ],
        "phases": phases(diagnostics),
    }


def other_deep_models(
    models: list[ModelEntry], deep: DeepSection | None, compared: ModelEntry | None
) -> list[ModelEntry]:
    """The deep models trained besides the compared one (an image assessment trains a CNN and a transfer
    model; a table, the ResNet-MLP and TabM), in the report's order: each has diagnostics worth reading —
    the practices it shows do not stop mattering because another family scored higher on validation."""
    section = present(deep)
    names = {c.name for c in section.candidates} if section else set()
    return [
        m
        for m in models
        if m is not compared and (m.name in names or (not names and m.family == "deep")) and m.diagnostics
    ]
