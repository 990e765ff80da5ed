"""What an assessment measured, in the shape the rubric and the verdict read.

The assessment runner fills an `Evidence` from its stages (profile, checks, split, test look). Metric
dicts keep the evaluation's shape: `{"roc_auc": {"value", "ci_low", "ci_high"}, "pr_auc": {...},
"precision", "recall", "f1", "threshold"}`, where a metric may also be a bare number (no interval).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from scipy.stats import norm

from workers.numbers import format_interval
from workers.rubric.questionnaire import Answers

Severity = Literal["info", "warning", "error"]

# Checks whose errors mean the measured scores cannot be trusted at all: the model may be reading the
# answer (leakage), grading itself on rows it trained on (duplicates across splits), or learning from
# contradictory labels. Nothing downstream of them is evidence until they are fixed.
BLOCKING_CHECKS: frozenset[str] = frozenset(
    {"label_leakage", "missingness_leakage", "duplicates_across_splits", "conflicting_labels"}
)

# Words the overfit check's failure message uses (OverfitCheckFailed's default detail included), for
# runners that only pass the message and not `deep_failure_code`.
_OVERFIT_MARKERS: tuple[str, ...] = ("overfit", "handful of examples")
OVERFIT_FAILURE_CODE = "overfit_check_failed"

# The comparison is read from the 95% interval of ΔAUC (deep - best baseline) against a margin, the smallest
# gain worth building for: the deep model is worth it when the whole interval clears the margin, the simple
# model is good enough when the whole interval stays below it (a non-inferiority/equivalence reading, not
# "p > 0.05", which a small test split gives for any gain). The team may set the margin
# (`payoff.min_meaningful_gain`); 0.01 ROC-AUC is about the smallest gain anyone rebuilds a system for.
SIGNIFICANCE_LEVEL = 0.05
DEFAULT_AUC_MARGIN = 0.01
# A ROC-AUC interval that reaches this is indistinguishable from guessing.
CHANCE_AUC = 0.5

# A threshold that calls this share of test rows positive or more has given up on telling them apart.
NEARLY_EVERY_ROW = 0.95

ComparisonOutcome = Literal["better", "worse", "equivalent", "inconclusive", "untested"]

# Learning curve: an expected ROC-AUC gain per doubling of the data below this is not worth chasing.
MEANINGFUL_CURVE_GAIN = 0.01

TargetStatus = Literal["reached", "not_reached", "uncertain"]

_MODEL_LABELS: dict[str, str] = {
    "logistic_regression": "logistic regression",
    "logreg": "logistic regression",
    "random_forest": "random forest",
    "xgboost": "XGBoost",
    "deep": "the deep model",
}


_METRIC_LABELS: dict[str, str] = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
}

_CHECK_LABELS: dict[str, str] = {
    "label_leakage": "label leakage",
    "missingness_leakage": "missingness that predicts the label",
    "duplicate_rows": "duplicate rows",
    "duplicates_across_splits": "duplicates across splits",
    "conflicting_labels": "conflicting labels",
    "class_imbalance": "class imbalance",
    "few_positives": "few positives",
    "constant_column": "constant column",
    "id_like_column": "ID-like column",
    "high_missingness": "high missingness",
    "free_text_column": "free-text column",
}


def meaningful_gain(answers: Answers) -> float:
    """The smallest ΔROC-AUC worth building a deep model for: the team's answer, else the default."""
    margin = answers.payoff.min_meaningful_gain
    return DEFAULT_AUC_MARGIN if margin is None else float(margin)


def metric_label(name: str) -> str:
    return _METRIC_LABELS.get(name, name.replace("_", " "))


def check_label(check: str) -> str:
    """How a data check reads in a sentence: `label_leakage` → `label leakage`."""
    return _CHECK_LABELS.get(check, check.replace("_", " "))


def model_label(name: str | None) -> str:
    """How a model's name reads in a sentence: `xgboost` → `XGBoost`."""
    if not name:
        return "the best baseline"
    key = name.lower().replace(" ", "_").replace("-", "_")
    return _MODEL_LABELS.get(key, name.replace("_", " "))


@dataclass(frozen=True)
class MetricEstimate:
    """One metric on the test split: the point value and, when measured, its 95% interval."""

    value: float
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def has_interval(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None

    @property
    def upper(self) -> float:
        """The most optimistic plausible value (the point value when there is no interval)."""
        return self.ci_high if self.ci_high is not None else self.value

    @property
    def lower(self) -> float:
        return self.ci_low if self.ci_low is not None else self.value

    def reaches(self, target: float) -> TargetStatus:
        """Whether the interval clears the target, falls short of it, or straddles it."""
        if self.lower >= target:
            return "reached"
        if self.upper < target:
            return "not_reached"
        return "uncertain"

    def __str__(self) -> str:
        return format_interval(self.value, self.ci_low, self.ci_high)

    @classmethod
    def parse(cls, raw: Any) -> MetricEstimate | None:
        if isinstance(raw, bool) or raw is None:
            return None
        if isinstance(raw, int | float):
            return cls(float(raw))
        if isinstance(raw, dict) and isinstance(raw.get("value"), int | float):
            low, high = raw.get("ci_low"), raw.get("ci_high")
            return cls(
                float(raw["value"]),
                float(low) if low is not None else None,
                float(high) if high is not None else None,
            )
        return None


@dataclass(frozen=True)
class ModelResult:
    """One model's estimate of one metric: `model` is "baseline" or "deep", `label` reads in a sentence."""

    model: Literal["baseline", "deep"]
    label: str
    estimate: MetricEstimate


@dataclass(frozen=True)
class TargetCheck:
    """Whether the models reach a target, and the model the sentence should name."""

    status: TargetStatus
    metric: str
    target: float
    result: ModelResult


@dataclass
class Evidence:
    """Measurements of one assessment. `min_class_count` is the number of positives for a binary target."""

    n_rows: int
    n_features: int
    n_classes: int
    min_class_count: int
    positive_rate: float | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    best_baseline: str | None = None
    baseline_test: dict[str, Any] | None = None
    deep_test: dict[str, Any] | None = None
    deep_failure: str | None = None
    deep_failure_code: str | None = None
    delta_roc_auc: float | None = None
    comparison_p_value: float | None = None
    learning_curve: dict[str, Any] | None = None
    test_rows: int = 0
    delta_ci_low: float | None = None
    delta_ci_high: float | None = None
    margin: float | None = None  # None: DEFAULT_AUC_MARGIN
    # The report's `economics` section (the payoff in money), or None; read by workers.rubric.money_reading.
    economics: dict[str, Any] | None = None
    deep_model: str | None = None  # the compared deep model's name in the report ("ResNet MLP"); None: unnamed
    modality: str = "table"  # "images": the rows are images, and the sentences say so

    @property
    def rows_noun(self) -> str:
        """What one labelled example is called in sentences: an image or a row."""
        return "images" if self.modality == "images" else "rows"
    # Confident learning's label-noise facts (workers.assessment.noise_stage): estimated_rate, ci_low,
    # ci_high, n_suspects, ceiling_roc_auc, ceiling_accuracy, high; None when not estimated.
    label_noise: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown evidence fields: {', '.join(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def is_binary(self) -> bool:
        return self.n_classes == 2

    @property
    def test_min_class_count(self) -> int:
        """Rows of the smallest class in the test split, estimated (the split is stratified)."""
        if self.n_rows <= 0:
            return 0
        return round(self.min_class_count * self.test_rows / self.n_rows)

    @property
    def overfit_check_failed(self) -> bool:
        if self.deep_failure_code == OVERFIT_FAILURE_CODE:
            return True
        message = (self.deep_failure or "").lower()
        return any(marker in message for marker in _OVERFIT_MARKERS)

    def blocking_findings(self) -> list[dict[str, Any]]:
        """Error-severity findings of the checks that invalidate every measured score."""
        return [
            f for f in self.findings if f.get("severity") == "error" and f.get("check") in BLOCKING_CHECKS
        ]

    def metric(self, model: Literal["baseline", "deep"], name: str) -> MetricEstimate | None:
        source = self.baseline_test if model == "baseline" else self.deep_test
        return MetricEstimate.parse(source.get(name)) if source else None

    def estimates(self, name: str) -> list[ModelResult]:
        """Each model that has this metric on test, baseline first."""
        found: list[ModelResult] = []
        baseline = self.metric("baseline", name)
        if baseline is not None:
            found.append(ModelResult("baseline", model_label(self.best_baseline), baseline))
        deep = self.metric("deep", name)
        if deep is not None:
            found.append(ModelResult("deep", model_label("deep"), deep))
        return found

    def best(self, name: str) -> ModelResult | None:
        """The model with the higher point value of this metric (the baseline wins ties: it is simpler)."""
        found = self.estimates(name)
        # max keeps the first of equals, and the baseline comes first.
        return max(found, key=lambda r: r.estimate.value) if found else None

    def check_target(self, name: str, target: float) -> TargetCheck | None:
        """Reached if any model's CI low clears the target; not reached if every CI high is below it."""
        found = self.estimates(name)
        if not found:
            return None
        statuses = [r.estimate.reaches(target) for r in found]
        if "reached" in statuses:
            best = max(found, key=lambda r: r.estimate.lower)
            return TargetCheck("reached", name, target, best)
        best = max(found, key=lambda r: r.estimate.value)
        status: TargetStatus = "not_reached" if all(s == "not_reached" for s in statuses) else "uncertain"
        return TargetCheck(status, name, target, best)

    @property
    def roc_auc_delta(self) -> float | None:
        """Deep minus best baseline ROC-AUC on test, as recorded or else from the two metric dicts."""
        if self.delta_roc_auc is not None:
            return float(self.delta_roc_auc)
        base, deep = self.metric("baseline", "roc_auc"), self.metric("deep", "roc_auc")
        return deep.value - base.value if base and deep else None

    @property
    def auc_margin(self) -> float:
        return DEFAULT_AUC_MARGIN if self.margin is None else float(self.margin)

    @property
    def delta_interval(self) -> tuple[float, float] | None:
        """The 95% interval of ΔAUC as recorded; for evidence recorded with only a p-value, the Wald interval
        that p-value implies (se = |Δ| / z_{p/2}, the DeLong test being a Wald test); None when neither."""
        if self.delta_ci_low is not None and self.delta_ci_high is not None:
            return float(self.delta_ci_low), float(self.delta_ci_high)
        delta, p = self.roc_auc_delta, self.comparison_p_value
        if delta is None or p is None or delta == 0.0 or not 0.0 < p < 1.0:
            return None
        half = _Z95 * abs(delta) / float(norm.isf(p / 2.0))
        return delta - half, delta + half

    @property
    def comparison_outcome(self) -> ComparisonOutcome | None:
        """What the ΔAUC interval [low, high] says against the margin m (None when no deep model was tested):
        `better` low > m; `worse` high < 0; `equivalent` high < m (no gain that matters); `inconclusive`
        the interval holds m; `untested` no interval."""
        if self.deep_test is None or self.roc_auc_delta is None:
            return None
        interval = self.delta_interval
        if interval is None:
            return "untested"
        low, high = interval
        if low > self.auc_margin:
            return "better"
        if high < 0.0:
            return "worse"
        if high < self.auc_margin:
            return "equivalent"
        return "inconclusive"

    @property
    def rows_to_settle(self) -> int | None:
        """Test rows that would settle an inconclusive comparison if ΔAUC stayed at its estimate.

        The interval's half-width shrinks as 1/sqrt(n): with half-width h on n test rows, a split of
        n * (h / |Δ - m|)^2 rows brings the interval to the margin's side where Δ lies. None when the
        comparison is not inconclusive, the split size is unknown, or Δ sits exactly on the margin.
        """
        interval, delta = self.delta_interval, self.roc_auc_delta
        if (
            self.comparison_outcome != "inconclusive"
            or interval is None
            or delta is None
            or self.test_rows <= 0
        ):
            return None
        gap = abs(delta - self.auc_margin)
        if gap == 0.0:
            return None
        half_width = (interval[1] - interval[0]) / 2.0
        return math.ceil(self.test_rows * (half_width / gap) ** 2)

    @property
    def deep_significantly_better(self) -> bool:
        """The deep model's ΔAUC interval clears the margin: a gain that matters, not only a real one."""
        return self.comparison_outcome == "better"

    @property
    def no_signal(self) -> bool:
        """The best model's test ROC-AUC interval reaches chance (0.5): the data shows no usable signal."""
        best = self.best("roc_auc")
        return best is not None and best.estimate.lower <= CHANCE_AUC

    def predicts_everything_positive(self, model: Literal["baseline", "deep"]) -> bool:
        """The model's decision threshold fell back to calling (nearly) every test row positive (binary only):
        at least `NEARLY_EVERY_ROW` of them, or, without the count, recall 1 and precision equal to the share
        of positives."""
        source = (self.baseline_test if model == "baseline" else self.deep_test) or {}
        recall, precision = self.metric(model, "recall"), self.metric(model, "precision")
        if not self.is_binary:
            return False
        n, predicted = _number(source.get("n")), _number(source.get("n_predicted_positive"))
        if n and predicted is not None:
            # A max-F1 threshold on scores without signal lands at (or next to) the lowest score.
            return predicted >= NEARLY_EVERY_ROW * n
        if recall is None or precision is None or recall.value < 1.0:
            return False
        n_positive = _number(source.get("n_positive"))
        prevalence = n_positive / n if n and n_positive is not None else self.positive_rate
        # Without the split's own counts, the dataset's rate stands in (the split is stratified).
        tolerance = 1e-9 if n else 0.01
        return prevalence is not None and abs(precision.value - prevalence) <= tolerance

    @property
    def recommended_model(self) -> Literal["baseline", "deep"] | None:
        """The model a team would ship: the deep one only when it is significantly better."""
        if self.deep_significantly_better or (self.baseline_test is None and self.deep_test is not None):
            return "deep"
        return "baseline" if self.baseline_test is not None else None

    @property
    def learning_curve_rising(self) -> bool:
        return bool(self.learning_curve and self.learning_curve.get("still_rising"))

    @property
    def learning_curve_promising(self) -> bool:
        """Still rising, with a gain worth having (or no estimate of the gain, which we cannot dismiss)."""
        gain = self.expected_gain_next_doubling
        return self.learning_curve_rising and (gain is None or gain >= MEANINGFUL_CURVE_GAIN)

    @property
    def expected_gain_next_doubling(self) -> float | None:
        return _number((self.learning_curve or {}).get("expected_gain_next_doubling"))

    @property
    def curve_rows_needed(self) -> dict[str, dict[str, Any]]:
        """Rows needed for the target per curve ("best_baseline", "deep"): value, ci_low, ci_high (80%), target,
        metric, reachable, reason (`workers.curve_inference.RowsNeeded`); empty without a weighted curve."""
        rows = (self.learning_curve or {}).get("rows_needed") or {}
        return {role: facts for role, facts in rows.items() if isinstance(facts, dict)}

    @property
    def deep_overtake(self) -> tuple[float, float | None, float | None] | None:
        """Training rows at which the deep model's learning curve is expected to overtake the baseline's,
        with the 95% interval's ends (None: not bounded); None when no overtaking is expected."""
        curve = self.learning_curve or {}
        size = _number(curve.get("overtake_size"))
        if size is None:
            return None
        return size, _number(curve.get("overtake_ci_low")), _number(curve.get("overtake_ci_high"))


_Z95 = float(norm.isf(SIGNIFICANCE_LEVEL / 2.0))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def first_sentence(text: str) -> str:
    """The opening sentence of a long message (failure details run to a paragraph), without its full stop."""
    head, _, _ = text.strip().partition(". ")
    return head.rstrip(".")
