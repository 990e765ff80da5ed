"""What each model stage of an assessment hands the next: typed records instead of string-keyed dicts.

They are also the resume format: the store pickles a finished stage's output and a retried job reads it
back, so each is a plain dataclass of picklable parts. Outputs saved before these types existed were dicts;
`upgrade` turns such a dict into its record, so a job resumed across the upgrade keeps its finished stages.
The data stages (profile, split, checks) and the report keep their own forms; the helpers that time a stage
(`with_timing`, `timing_of`) accept those too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from workers.baselines import FittedModel
from workers.evaluation import ThresholdChoice
from workers.families import DEEP, FAMILY_LABELS


@dataclass(frozen=True)
class StageResult:
    """Every typed output carries how long its stage took; `run_stages` fills these in when it ends."""

    seconds: float | None = field(default=None, kw_only=True)  # wall-clock
    # The whole process's CPU (torch's and XGBoost's threads included): a worker runs one job at a time.
    cpu_seconds: float | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class BaselinesOutput(StageResult):
    """The baselines, simplest first, with their validation probabilities and ROC-AUCs (by model name)."""

    models: list[FittedModel]
    val_proba: dict[str, np.ndarray]
    val_roc_auc: dict[str, float]

    def fitted(self) -> list[dict[str, Any]]:
        """Each baseline as the progress and the CLI show it: name, fit seconds, validation ROC-AUC."""
        return [
            {"name": m.name, "seconds": m.fit_seconds, "val_roc_auc": self.val_roc_auc[m.name]}
            for m in self.models
        ]


@dataclass(frozen=True)
class DeepCandidate:
    """One deep family the assessment trained: its fitted model with its validation probabilities and
    ROC-AUC, or why it has none (`error`: its overfit check failed)."""

    family: str  # a key of workers.families.FAMILY_LABELS: "deep" (the ResNet-MLP) or "tabm"
    name: str  # the model's name in the report
    model: FittedModel | None
    val_proba: np.ndarray | None = None
    val_roc_auc: float | None = None
    fit_seconds: float | None = None
    device: str | None = None
    error: str | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeepOutput(StageResult):
    """The deep model the comparison uses, or why there is none: skipped (not asked for) or failed (every
    family's overfit check). `model`, `diagnostics`, `val_proba`, `fit_seconds` and `device` are the chosen
    model's (the failure's when none was fitted); `candidates` are every deep family trained, the chosen one
    included, and `chosen_family` and `chosen_because` say which one was chosen on validation and why.
    Outputs pickled before several families existed have no candidates and read the class defaults."""

    model: FittedModel | None
    error: str | None = None
    skipped: bool = False
    diagnostics: dict[str, Any] = field(default_factory=dict)
    val_proba: np.ndarray | None = None
    fit_seconds: float | None = None
    device: str | None = None
    candidates: tuple[DeepCandidate, ...] = ()
    chosen_family: str | None = None
    chosen_because: str | None = None

    @property
    def failed(self) -> bool:
        return self.model is None and not self.skipped

    @property
    def family(self) -> str | None:
        """The family of the compared deep model: `chosen_family`, or for an older output the family its
        model's name is the label of (the ResNet-MLP's, then the only deep family)."""
        if self.chosen_family is not None or self.model is None:
            return self.chosen_family
        by_label = {label: family for family, label in FAMILY_LABELS.items()}
        return by_label.get(self.model.name, DEEP)

    def all_candidates(self) -> tuple[DeepCandidate, ...]:
        """Every deep family trained; for an output from before several families, its one model."""
        if self.candidates:
            return self.candidates
        if self.skipped:
            return ()
        name = self.model.name if self.model is not None else "ResNet MLP"
        return (
            DeepCandidate(
                family=self.family or DEEP,
                name=name,
                model=self.model,
                val_proba=self.val_proba,
                fit_seconds=self.fit_seconds if self.model is None else self.model.fit_seconds,
                device=self.device if self.model is None else self.model.device,
                error=self.error,
                diagnostics=self.diagnostics,
            ),
        )

    def fitted_models(self) -> list[FittedModel]:
        """The deep models that were fitted, in the order they were trained."""
        return [c.model for c in self.all_candidates() if c.model is not None]


@dataclass(frozen=True)
class ValidationOutput(StageResult):
    """What was decided on validation: every model's metrics, the best baseline and each model's decision
    threshold (by model name; none for a multiclass target)."""

    metrics: dict[str, dict[str, float]]
    best_baseline: str
    thresholds: dict[str, ThresholdChoice]


@dataclass(frozen=True)
class Comparison:
    """The best baseline against the deep model on the test split, both selected on validation."""

    best_baseline: str
    deep: str | None  # None when the deep model was skipped or failed: then nothing is compared
    metric: str = "roc_auc"
    selected_on: str = "validation"
    delta_roc_auc: float | None = None  # deep minus baseline
    delong_p_value: float | None = None  # of the paired test named by `test`
    test: str | None = None  # "DeLong" (binary) or "paired bootstrap" (multiclass)
    baseline_roc_auc: float | None = None
    deep_roc_auc: float | None = None
    # The 95% interval of delta_roc_auc (DeLong's paired variance, or the paired bootstrap's percentiles),
    # and the smallest gain that matters, which the verdict holds the interval against. Outputs pickled
    # before these existed read the class defaults.
    delta_ci_low: float | None = None
    delta_ci_high: float | None = None
    margin: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The report's `comparison` before the verdict joins it; the AUCs, ΔAUC interval and margin only
        when a deep model ran."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.deep is None:
            for name in ("baseline_roc_auc", "deep_roc_auc", "delta_ci_low", "delta_ci_high", "margin"):
                del out[name]
        return out


@dataclass(frozen=True)
class TestLookOutput(StageResult):
    """The one look at the test split: metrics with intervals and ROC/PR points by model name, the
    best-baseline-versus-deep comparison, and the test budget `{limit, used}` after the look."""

    __test__ = False  # not a pytest test class, despite the name
    test: dict[str, dict[str, Any]]
    curves: dict[str, dict[str, Any]]
    comparison: Comparison
    test_budget: dict[str, int]
    # The report's `economics` section (workers.assessment.economics_section); None in outputs saved before it.
    economics: dict[str, Any] | None = None
    # An image dataset's test probabilities of the compared models (best baseline, deep) by model name, in
    # the test split's row order: the report's grid of confidently wrong test images reads them instead of
    # looking at the test split again. None for a table and in outputs saved before it.
    test_proba: dict[str, np.ndarray] | None = None


@dataclass(frozen=True)
class LearningCurveOutput(StageResult):
    """The learning-curve stage's summary (`workers.assessment.curve_summary`), JSON-ready: the report's
    `learning_curves` section when it ran, or why it was skipped. Field order is the section's key order."""

    skipped: bool
    reason: str | None = None
    metric: str | None = None
    split: str | None = None
    models: list[dict[str, Any]] = field(default_factory=list)
    comparison: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None  # the rubric's: still_rising, expected_gain_next_doubling, …
    still_rising: bool | None = None
    expected_gain_next_doubling: float | None = None
    points: list[dict[str, Any]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    hyperparameters: dict[str, dict[str, Any]] = field(default_factory=dict)  # by model name
    ignored_deep_params: list[str] = field(default_factory=list)

    @classmethod
    def skipped_because(cls, reason: str) -> LearningCurveOutput:
        return cls(skipped=True, reason=reason, sentences=[reason])

    def section(self) -> dict[str, Any] | None:
        """The report's `learning_curves` section, or None when the stage was skipped."""
        if self.skipped:
            return None
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _TIMING}


@dataclass(frozen=True)
class LabelNoiseOutput(StageResult):
    """The label-noise stage's JSON-ready `label_noise` section (`workers.assessment.noise_stage`), or why
    it did not run."""

    skipped: bool
    reason: str | None = None
    section: dict[str, Any] | None = None


_TIMING = frozenset(f.name for f in fields(StageResult))

# The typed stages and their records; the other stages keep their own forms.
OUTPUT_TYPES: dict[str, type[StageResult]] = {
    "baselines": BaselinesOutput,
    "deep_model": DeepOutput,
    "validation": ValidationOutput,
    "learning_curve": LearningCurveOutput,
    "label_noise": LabelNoiseOutput,
    "test_look": TestLookOutput,
}

# The keys under which the runner timed a dict output, before the typed outputs and still for the stages
# that return dicts.
LEGACY_SECONDS, LEGACY_CPU_SECONDS = "_seconds", "_cpu_seconds"


def upgrade(stage: str, saved: Any) -> Any:
    """`saved` as its stage's record: an output saved as a dict by the code before the typed outputs is
    converted (its keys are the record's fields, its timing under `_seconds`/`_cpu_seconds`); anything else
    is returned as it is."""
    kind = OUTPUT_TYPES.get(stage)
    if kind is None or not isinstance(saved, dict):
        return saved
    names = {f.name for f in fields(kind)} - _TIMING
    values = {key: value for key, value in saved.items() if key in names}
    # The parts that were dicts inside the dict, too.
    if kind is ValidationOutput:
        values["thresholds"] = {name: ThresholdChoice(**t) for name, t in values["thresholds"].items()}
    if kind is TestLookOutput:
        values["comparison"] = Comparison(**values["comparison"])
    return kind(**values, seconds=saved.get(LEGACY_SECONDS), cpu_seconds=saved.get(LEGACY_CPU_SECONDS))


def with_timing(output: Any, seconds: float, cpu_seconds: float) -> Any:
    """`output` with its stage's wall-clock and CPU seconds: set on a record with those fields, or under
    `_seconds`/`_cpu_seconds` in a dict output (the data stages' and the report's form)."""
    if dataclasses.is_dataclass(output) and not isinstance(output, type) and _timed_fields(output):
        return dataclasses.replace(output, seconds=seconds, cpu_seconds=cpu_seconds)
    if isinstance(output, dict):
        output[LEGACY_SECONDS] = seconds
        output[LEGACY_CPU_SECONDS] = cpu_seconds
    return output


def timing_of(output: Any) -> tuple[float | None, float | None]:
    """(wall-clock, CPU) seconds of the stage that produced `output`, None where they were not recorded."""
    if isinstance(output, dict):
        return output.get(LEGACY_SECONDS), output.get(LEGACY_CPU_SECONDS)
    if dataclasses.is_dataclass(output) and _timed_fields(output):
        return getattr(output, "seconds", None), getattr(output, "cpu_seconds", None)
    return None, None


def was_skipped(output: Any) -> bool:
    """Whether the stage chose not to run (no deep model asked for, no learning curve possible)."""
    if isinstance(output, dict):
        return bool(output.get("skipped"))
    return bool(getattr(output, "skipped", False))


def _timed_fields(output: Any) -> bool:
    return {f.name for f in fields(output)} >= _TIMING
