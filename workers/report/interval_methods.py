"""One sentence naming how a report's test-metric intervals were made, for every reader of the report.

Each metric's interval carries its `method` (`workers.evaluation.intervals`); the HTML report, the dashboard
and the terminal print this sentence under the model table so that a reader knows which interval is exact
in its binomial model (Wilson: precision, recall, and F1 through the Jaccard index), which is a score
interval (ROC-AUC, binormal variance at its ends), which rests on the bootstrap's spread (PR-AUC), and when
PR-AUC's was widened on purpose for few positives. Reports stored before this round name the earlier
methods (logit DeLong, bias-corrected bootstrap, the Wilson ends' F1); their titles stay here for them.
"""

from __future__ import annotations

from collections.abc import Sequence

from workers.evaluation.confusion import WILSON_BOUND
from workers.evaluation.intervals import METHOD_TITLES
from workers.report.model import ModelEntry

METRIC_LABELS = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
}
TITLES = {**METHOD_TITLES, WILSON_BOUND: "the F1 of the Wilson intervals' ends (every resample agreed)"}
# Reports made before issue 10 stored no method: all their intervals were this.
LEGACY_METHOD = "stratified bootstrap percentile (class sizes held fixed)"


def interval_methods_note(models: Sequence[ModelEntry]) -> str | None:
    """The sentence, e.g. "95% intervals: ROC-AUC by DeLong variance on the logit scale (...); precision and
    recall by Wilson score interval (1927); ...", read from the first model with test metrics; None when
    no model has any."""
    test = next((m.test for m in models if m.test is not None), None)
    if test is None:
        return None
    by_method: dict[str, list[str]] = {}
    for key, label in METRIC_LABELS.items():
        interval = getattr(test, key, None)
        if interval is None or interval.value is None:
            continue
        method = interval.method
        title = TITLES.get(method, method) if method else LEGACY_METHOD
        by_method.setdefault(title, []).append(label)
    if not by_method:
        return None
    parts = [f"{_and(labels)} by {title}" for title, labels in by_method.items()]
    return "95% intervals: " + "; ".join(parts) + "."


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
