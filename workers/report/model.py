"""The assessment report as one typed model: what `report_stage` builds, the database stores, the API serves
(its OpenAPI schema is this model's) and every reader (HTML page, terminal, dashboard, journal) reads.

Stored reports are plain JSON, some written by older versions, so reading is lenient:
- every field has a default, so a report missing a section written since (`learning_curves`, `history`,
  `cpu_timings`, `elapsed`...) still loads, and a reader meets `None` or an empty list, not a KeyError;
- keys this model does not name are kept (`extra="allow"`) and dumped back as they came;
- a dump holds exactly the keys that were there: a field left at its default is not written (see `Part`),
  so `Report.model_validate(stored).model_dump(mode="json") == stored` for any stored report;
- numbers keep their JSON type (`Number` is `int | float`: a score of 80 stays 80, not 80.0).

Deep, free-form parts stay plain JSON where typing them buys nothing: a learning-curve model's `fit` (the
power-law fit's parameters, read by no reader), the learning curves' flat `points` (the same points as the
models' `points`) and `hyperparameters` (per model family), and the questionnaire `answers` (the
`Answers` model's own dump; the questionnaire module owns that schema).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)

Number = int | float  # kept as it came: an int stays an int in the dump, a float a float
Label = str | int | float | bool  # a class label as the data had it


class Part(BaseModel):
    """A part of the report: lenient on reading, and dumped with exactly the keys it was given."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="null")

    @model_serializer(mode="wrap")
    def _given_keys_only(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo):  # type: ignore[no-untyped-def]
        # No return annotation on purpose: one would replace this model's serialization schema (OpenAPI).
        # A field left at its default was absent from the stored JSON (an older report, a failed model's
        # shorter entry); writing it back as null would change the JSON the service serves.
        data = handler(self)
        if not isinstance(data, dict):
            return data
        given = self.model_fields_set | set(self.model_extra or {})
        return {key: value for key, value in data.items() if key in given}


# ----------------------------------------------------------------------------------------------- dataset


class ColumnProfile(Part):
    """One column of the file as profiled: its kind (numeric, categorical, id, text...), dtype and spread."""

    name: str | None = None
    kind: str | None = None
    dtype: str | None = None
    missing_fraction: Number | None = None
    n_unique: int | None = None


class ExcludedColumn(Part):
    """A column the checks left out of the models, and why."""

    name: str | None = None
    reason: str | None = None


class DatasetSection(Part):
    """The labelled file: size, target and classes, the column profiles, and which columns the models used."""

    source: str | None = None
    sha256: str | None = None
    file_bytes: int | None = None
    rows: int | None = None
    columns: int | None = None
    target: str | None = None
    positive_label: Label | None = None
    positive_rate: Number | None = None
    classes: list[Label] = []
    class_counts: dict[str, int] = {}
    notes: list[str] = []
    column_profiles: list[ColumnProfile] = []
    excluded_columns: list[ExcludedColumn] = []
    used_columns: list[str] | None = None
    # "table" or "images" (issue 13). Reports made before images existed lack the key and were all tables:
    # they read back as "table" (and dump back without the key, as they came).
    modality: str = "table"


class Finding(Part):
    """A data check's finding (`workers.checks.Finding` as JSON)."""

    check: str | None = None
    severity: str | None = None
    message: str | None = None
    columns: list[str] = []
    value: Number | None = None
    files: list[str] = []  # an image dataset's files the finding is about (the first few)


class LabelRatePeriod(Part):
    """One run of rows in time order: its first and last time, its rows and its positive rate."""

    first: str | None = None
    last: str | None = None
    rows: int | None = None
    rate: Number | None = None


class SplitSection(Part):
    """How the rows were split into train, validation and test."""

    seed: int | None = None
    sizes: dict[str, int] = {}
    stratified: bool | None = None
    split_id: str | None = None
    method: str | None = None  # stratified_random | time_ordered | group (older reports: the description)
    fractions: dict[str, Number] = {}
    # Issue 12: how the split was made, the columns it was made by, and — with a time column — each part's
    # first and last time and the label rate over time.
    description: str | None = None
    time_column: str | None = None
    group_column: str | None = None
    date_ranges: dict[str, dict[str, str]] | None = None
    note: str | None = None
    label_rate_by_period: list[LabelRatePeriod] | None = None


# --------------------------------------------------------------------------------------------- readiness


class Criterion(Part):
    """One readiness criterion: its score (None when unanswered and unmeasured) and why."""

    score: Number | None = None
    findings: list[str] = []
    recommendation: str | None = None
    unanswered: list[str] = []
    evidence_used: bool | None = None


class Readiness(Part):
    """The readiness rubric (`workers.rubric.scoring.score_readiness`): five criteria, gated by the weakest.
    Also a project's scores from its answers alone."""

    criteria: dict[str, Criterion] = {}
    overall: Number | None = None
    verdict: str | None = None
    weakest: str | None = None


# ------------------------------------------------------------------------------------------------ models


class Interval(Part):
    """A test metric with its 95% interval, and the method that made it (`workers.report.interval_methods`
    names each: "wilson", "binormal_score", "wilson_jaccard", "logit_bootstrap_se", "logit_binomial_se"; the
    first round of issue 10 wrote "logit_delong" and "bootstrap_bc"; None in reports made before issue 10,
    whose intervals were all stratified-bootstrap percentiles)."""

    value: Number | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    method: str | None = None


class ConfusionMatrix(Part):
    """A multiclass model's confusion matrix on the test split: `counts[i][j]` rows of true class
    `classes[i]` predicted as `classes[j]`."""

    classes: list[Label] = []
    counts: list[list[int]] = []


class ClassMetrics(Part):
    """One class of a multiclass model on the test split: its rows (`support`), how often it was predicted,
    and its precision, recall and F1 with intervals (`TestMetrics.per_class_method` says which)."""

    name: Label | None = None
    support: int | None = None
    predicted: int | None = None
    precision: Interval | None = None
    recall: Interval | None = None
    f1: Interval | None = None


class TestMetrics(Part):
    """A model's metrics on the test split (looked at once), at the threshold chosen on validation; for a
    multiclass target also its confusion matrix and per-class metrics (absent from older reports)."""

    __test__ = False  # not a pytest test class, whatever its name

    roc_auc: Interval | None = None
    pr_auc: Interval | None = None
    precision: Interval | None = None
    recall: Interval | None = None
    f1: Interval | None = None
    threshold: Number | None = None
    n: int | None = None
    n_positive: int | None = None
    # Rows predicted positive at the threshold: the trials of precision's Wilson interval.
    n_predicted_positive: int | None = None
    confusion_matrix: ConfusionMatrix | None = None
    per_class: list[ClassMetrics] = []
    per_class_method: str | None = None


class Threshold(Part):
    """The decision threshold chosen on validation, the rule that chose it, and what it achieved there."""

    threshold: Number | None = None
    rule: str | None = None
    met: bool | None = None
    achieved: dict[str, Number | None] = {}


class RocCurve(Part):
    fpr: list[Number | None] = []
    tpr: list[Number | None] = []


class PrCurve(Part):
    recall: list[Number | None] = []
    precision: list[Number | None] = []


class Curves(Part):
    """A binary model's ROC and precision-recall curves on the test split (points thinned for drawing)."""

    roc: RocCurve | None = None
    pr: PrCurve | None = None


class Epoch(Part):
    """One epoch of the deep model's training."""

    epoch: int | None = None
    train_loss: Number | None = None
    val_loss: Number | None = None
    val_roc_auc: Number | None = None
    seconds: Number | None = None


class LrRangeTest(Part):
    """The learning-rate range test: the loss at each learning rate tried, and the one chosen."""

    lrs: list[Number | None] = []
    losses: list[Number | None] = []
    chosen_lr: Number | None = None
    method: str | None = None
    stopped_on_divergence: bool | None = None
    skipped: bool | None = None


class OverfitCheck(Part):
    """Whether the deep model can memorise a handful of rows: if it cannot, it has a bug, not too little data."""

    passed: bool | None = None
    skipped: bool | None = None
    n_examples: int | None = None
    steps: int | None = None
    initial_loss: Number | None = None
    final_loss: Number | None = None
    last_loss: Number | None = None
    threshold: Number | None = None
    memorised: bool | None = None
    n_conflicting_rows: int | None = None
    rule: str | None = None


class GradientNorms(Part):
    """Per-layer gradient norms per epoch (`per_epoch[epoch][layer]`), and the layers flagged by `rule`."""

    layers: list[str] = []
    per_epoch: list[list[Number | None]] = []
    vanishing: list[str] = []
    exploding: list[str] = []
    rule: str | None = None


class Diagnostics(Part):
    """How a model trained: most fields are the deep model's; the last few, a baseline's (logistic
    regression's iterations, the forest's trees, XGBoost's rounds)."""

    device: str | None = None
    n_parameters: int | None = None
    initialisation: str | None = None
    initialisation_by_layer: dict[str, str] = {}
    mixed_precision: bool | str | None = None
    lr: Number | None = None
    lr_range_test: LrRangeTest | None = None
    overfit_check: OverfitCheck | None = None
    epochs: list[Epoch] = []
    best_epoch: int | None = None
    stopped_early: bool | None = None
    stop_reason: str | None = None
    gradient_norms: GradientNorms | None = None
    train_rows_per_second: Number | None = None
    profile: str | None = None  # TabM's device profile ("cpu" or "gpu")
    k: int | None = None  # TabM's ensemble members
    n_bins: int | None = None  # TabM's piecewise-linear embedding bins (None: none)
    time_budget_s: Number | None = None  # TabM's training time limit
    iterations: int | None = None
    trees: int | None = None
    max_samples: Number | None = None
    max_rounds: int | None = None
    best_iteration: int | None = None


class ModelEntry(Part):
    """One model of the assessment: a baseline or the deep model, fitted ("ok") or "failed" with its error."""

    name: str | None = None
    family: str | None = None
    device: str | None = None
    fit_seconds: Number | None = None
    status: str | None = None
    error: str | None = None
    selected_as: str | None = None
    validation: dict[str, Number | None] | None = None
    threshold: Threshold | None = None
    test: TestMetrics | None = None
    curves: Curves | None = None
    diagnostics: Diagnostics | None = None


class DeepCandidate(Part):
    """One deep family the assessment trained, as the `deep` section lists it."""

    family: str | None = None
    name: str | None = None
    status: str | None = None
    val_roc_auc: Number | None = None
    fit_seconds: Number | None = None
    device: str | None = None
    profile: str | None = None  # TabM's: "cpu" or "gpu", the defaults its None hyperparameters took
    time_budget_s: Number | None = None
    stop_reason: str | None = None
    chosen: bool | None = None


class DeepSection(Part):
    """The deep families trained (ResNet-MLP, TabM) and which one the comparison uses: the best on
    validation. Absent from reports made before TabM, when the ResNet-MLP was the only deep model."""

    chosen_family: str | None = None
    chosen: str | None = None
    chosen_because: str | None = None
    selected_on: str | None = None
    metric: str | None = None
    candidates: list[DeepCandidate] = []


class Comparison(Part):
    """The deep model against the best baseline on the test split, and the comparison's verdict."""

    best_baseline: str | None = None
    deep: str | None = None
    metric: str | None = None
    baseline_roc_auc: Number | None = None
    deep_roc_auc: Number | None = None
    delta_roc_auc: Number | None = None
    # The p-value of the paired test named by `test`: DeLong for a binary target, a paired bootstrap for a
    # multiclass one. The key predates multiclass; it stays so that stored reports and API clients still read.
    delong_p_value: Number | None = None
    test: str | None = None
    selected_on: str | None = None
    verdict: str | None = None
    summary: str | None = None
    # The 95% interval of delta_roc_auc and the smallest gain that matters, which the verdict reads it against.
    delta_ci_low: Number | None = None
    delta_ci_high: Number | None = None
    margin: Number | None = None


class VerdictSection(Part):
    """The assessment's answer (`workers.verdict.Verdict`): a code and one or two sentences with numbers."""

    code: str | None = None
    summary: str | None = None


class ShipSection(Part):
    """The model to ship (`workers.rubric.advice.ShippedModel`): the verdict's side of the comparison, named as
    the models are, with its test numbers."""

    role: str | None = None  # "baseline" or "deep"
    family: str | None = None
    label: str | None = None
    reason: str | None = None
    roc_auc: Interval | None = None
    precision: Interval | None = None
    recall: Interval | None = None
    threshold: Number | None = None


class RecommendationSection(Part):
    """What to do next (`workers.rubric.next_steps.recommend`): the model to ship (None: none yet, and
    `no_ship_reason` says why) and the ordered steps, one sentence each. Absent from reports before issue 15."""

    ship: ShipSection | None = None
    no_ship_reason: str | None = None
    next_steps: list[str] = []


class TestBudget(Part):
    """How many looks at the test split the dataset allows, and how many were used."""

    __test__ = False

    limit: int | None = None
    used: int | None = None
    # Who else draws on this budget (other seeds' splits, datasets whose rows overlap), in a sentence; None
    # when this split alone does (and in reports made before budgets were shared).
    shared_with: str | None = None


# ------------------------------------------------------------------------------------- learning curves


class CurvePoint(Part):
    """One measured point of a learning curve: a share of the training split, and validation ROC-AUC."""

    train_fraction: Number | None = None
    n_train: int | None = None
    val_roc_auc: Number | None = None
    status: str | None = None
    error: str | None = None
    source: str | None = None
    fit_seconds: Number | None = None
    se: Number | None = None  # the ROC-AUC's standard error (Hanley-McNeil on the validation split)


class FittedCurve(Part):
    """The fitted power law, sampled for drawing."""

    n_train: list[Number | None] = []
    val_roc_auc: list[Number | None] = []


class RowsNeeded(Part):
    """Training rows to reach the questionnaire's target with an 80% interval (`ci_high` None: beyond the
    search), or why there is no number (`reachable` False: not reachable by this model family)."""

    value: Number | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    target: Number | None = None
    metric: str | None = None
    reachable: bool | None = None
    reason: str | None = None


class CurveBacktest(Part):
    """The curve fitted on its smaller points, predicting the larger: predicted vs observed ROC-AUC."""

    fitted_on: list[Number | None] = []
    predicted_at: list[Number | None] = []
    predicted: list[Number | None] = []
    observed: list[Number | None] = []
    error: list[Number | None] = []
    observed_se: list[Number | None] = []


class CurveQuality(Part):
    """Whether the curve may be extrapolated; `problems` says in words why not."""

    ok: bool | None = None
    problems: list[str] = []


class CurveModel(Part):
    """One model's learning curve. `fit` is free-form: the power-law fit's parameters and intervals."""

    name: str | None = None
    family: str | None = None
    role: str | None = None
    points: list[CurvePoint] = []
    fit: dict[str, Any] | None = None
    fitted_curve: FittedCurve | None = None
    still_rising: bool | None = None
    expected_gain_next_doubling: Number | None = None
    reason: str | None = None
    # The weighted fit (issue 12): the gain's and ceiling's 80% intervals, rows needed, back-test, quality.
    gain_ci_low: Number | None = None
    gain_ci_high: Number | None = None
    ceiling: Interval | None = None
    rows_needed: RowsNeeded | None = None
    backtest: CurveBacktest | None = None
    quality: CurveQuality | None = None


class CurveComparison(Part):
    """Where, if anywhere, the deep model's curve is expected to overtake the best baseline's."""

    status: str | None = None
    message: str | None = None
    n_max: Number | None = None
    search_limit: Number | None = None
    baseline_at_n_max: Number | None = None
    deep_at_n_max: Number | None = None
    overtake_size: Number | None = None
    overtake_ci_low: Number | None = None
    overtake_ci_high: Number | None = None
    overtake_probability: Number | None = None


class CurveEvidence(Part):
    still_rising: bool | None = None
    expected_gain_next_doubling: Number | None = None
    gain_ci_low: Number | None = None
    gain_ci_high: Number | None = None
    flat: bool | None = None
    quality_ok: bool | None = None
    n_train: Number | None = None
    rows_needed: dict[str, RowsNeeded | None] = {}


class LearningCurves(Part):
    """Validation ROC-AUC by share of the training split, the fitted curves and what they say. `points`
    (a flat list of the measured points) and `hyperparameters` (per model) are free-form."""

    skipped: bool | None = None
    reason: str | None = None
    metric: str | None = None
    split: str | None = None
    models: list[CurveModel] = []
    comparison: CurveComparison | None = None
    evidence: CurveEvidence | None = None
    still_rising: bool | None = None
    expected_gain_next_doubling: Number | None = None
    points: list[dict[str, Any]] = []
    sentences: list[str] = []
    hyperparameters: dict[str, Any] = {}
    ignored_deep_params: list[Any] = []


# ------------------------------------------------------------------------------------- economics


class ModelEconomics(Part):
    """One model in money: its threshold chosen on validation to maximise expected value, and the expected
    value per 1,000 decisions on the test split with its 95% row-bootstrap interval."""

    name: str | None = None
    threshold: Number | None = None
    acts_on_none: bool | None = None
    validation_expected_value_per_1000: Number | None = None
    expected_value_per_1000: Interval | None = None


class Economics(Part):
    """The payoff in money (`workers.assessment.economics_section`), from the questionnaire's per-decision
    value and costs. Only `note` when it could not be computed (answers missing, multiclass target)."""

    note: str | None = None
    currency: str | None = None
    decisions_per_year: Number | None = None
    value_true_positive: Number | None = None
    cost_false_positive: Number | None = None
    cost_false_negative: Number | None = None
    # cost_false_positive / (value_true_positive + cost_false_negative): the only thing the threshold and
    # the comparison depend on.
    cost_ratio: Number | None = None
    per_decisions: int | None = None
    models: list[ModelEconomics] = []
    best_baseline: str | None = None
    deep: str | None = None
    delta_expected_value_per_1000: Interval | None = None  # deep minus best baseline, paired resamples
    yearly_delta: Interval | None = None
    break_even_cost_ratio: Number | None = None
    deep_pays: str | None = None  # "below" / "above" the break-even ratio, "always", "never"
    sentence: str | None = None
    method: str | None = None
    n_resamples: int | None = None


# ------------------------------------------------------------------------------------------- label noise


class LabelSuspect(Part):
    """A row whose label is likely wrong: its row number in the file (0-based data rows), the split it is
    in, the label it has and the one the model suggests, its self-confidence p̂(given) and the margin
    p̂(suggested) − p̂(given) that ranks it."""

    row: int | None = None
    split: str | None = None
    given: Label | None = None
    suggested: Label | None = None
    self_confidence: Number | None = None
    margin: Number | None = None


class NoiseCeiling(Part):
    """The best any model can score against labels this noisy, with the formula and its assumption."""

    accuracy: Number | None = None
    roc_auc: Number | None = None
    roc_auc_range: list[Number | None] = []  # the ROC-AUC cap at the rate's interval ends, low to high
    formula: str | None = None
    assumption: str | None = None


class LabelNoise(Part):
    """Confident learning's estimate of the share of wrong labels (95% interval), the rows most likely
    mislabelled (capped; `n_suspects` counts them all) and the ceiling the noise puts on any model."""

    estimated_rate: Number | None = None
    ci_low: Number | None = None
    ci_high: Number | None = None
    n_examined: int | None = None
    n_suspects: int | None = None
    suspects: list[LabelSuspect] = []
    method: str | None = None
    ceiling: NoiseCeiling | None = None
    high: bool | None = None
    sentence: str | None = None
    row_numbers: str | None = None


# ----------------------------------------------------------------------------------------------- history


class Shape(Part):
    """A dataset's shape as the history compares it (`workers.history.DatasetShape`)."""

    rows: int | None = None
    n_features: int | None = None
    categorical_share: Number | None = None


class PastDataset(Part):
    """A similar past assessment from the journal."""

    dataset_name: str | None = None
    rows: int | None = None
    n_features: int | None = None
    categorical_share: Number | None = None
    best_baseline: str | None = None
    best_baseline_roc_auc: Number | None = None
    deep_roc_auc: Number | None = None
    delta_roc_auc: Number | None = None


class HistorySection(Part):
    """What past assessments of datasets like this one say (`workers.history.history_summary`)."""

    current: Shape | None = None
    similar: list[PastDataset] = []
    sentences: list[str] = []
    rule: str | None = None


# ------------------------------------------------------------------------------------------------ images


class Spread(Part):
    """The smallest, median and largest of a size, in pixels."""

    min: Number | None = None
    median: Number | None = None
    max: Number | None = None


class UnreadableImage(Part):
    """A file of the upload that could not be read as an image, and why; it was left out."""

    name: str | None = None
    reason: str | None = None


class ImageSummary(Part):
    """What was read (`workers.images.summary.image_summary`): the images the models saw, at `model_size`
    pixels a side with `channels` channels (1 grey, 3 colour), and the sizes, modes and formats the files
    had; `unreadable` lists the first 50 files left out, `unreadable_count` counts them all."""

    count: int | None = None
    channels: int | None = None
    model_size: int | None = None
    width: Spread | None = None
    height: Spread | None = None
    modes: dict[str, int] = {}
    formats: dict[str, int] = {}
    unreadable_count: int | None = None
    unreadable: list[UnreadableImage] = []


class Thumbnail(Part):
    """One image as the models saw it: its file name in the upload and a `data:image/png;base64,…` URI."""

    name: str | None = None
    src: str | None = None


class ClassSamples(Part):
    """Up to 8 training images of one class."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    # `class` is a Python keyword: the field is `class_name`, its JSON key `class`.
    class_name: Label | None = Field(default=None, alias="class")
    images: list[Thumbnail] = []

    @model_serializer(mode="wrap")
    def _given_keys_only(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo):  # type: ignore[no-untyped-def]
        # Part's rule, with the given fields named by their JSON keys (`class`, not `class_name`).
        data = handler(self)
        if not isinstance(data, dict):
            return data
        given = {type(self).model_fields[name].alias or name for name in self.model_fields_set}
        return {key: value for key, value in data.items() if key in given | set(self.model_extra or {})}


class WrongImage(Part):
    """A test image the model got wrong: its true class, the class predicted and the probability the model
    gave the predicted class."""

    name: str | None = None
    src: str | None = None
    true: Label | None = None
    predicted: Label | None = None
    confidence: Number | None = None


class SuspectImage(Part):
    """An image whose label is likely wrong (a `label_noise` suspect): the label it has, the one the models
    suggest, and p̂(given)."""

    name: str | None = None
    src: str | None = None
    split: str | None = None
    given: Label | None = None
    suggested: Label | None = None
    self_confidence: Number | None = None


class ImagesSection(Part):
    """An image dataset's part of the report (`workers.images.summary.images_section`): the summary, sample
    images per class from the training split, and the test images `confidently_wrong_model` (the shipped
    model when the verdict ships the baseline, else the compared deep model; `confidently_wrong_role`) got
    most confidently wrong — `test_wrong` of `test_count` test images were wrong. Absent for a table."""

    summary: ImageSummary | None = None
    samples: list[ClassSamples] = []
    confidently_wrong: list[WrongImage] = []
    confidently_wrong_model: str | None = None
    confidently_wrong_role: str | None = None
    test_wrong: int | None = None
    test_count: int | None = None
    label_suspects: list[SuspectImage] = []  # the label-noise suspects, most likely mislabelled first


# ------------------------------------------------------------------------------------------------ report


class Elapsed(Part):
    """Where the time went from submission to report; added by the service, absent from a library run."""

    wall_seconds: Number | None = None
    stage_seconds: Number | None = None
    waiting_seconds: Number | None = None
    queued_seconds: Number | None = None
    cpu_seconds: Number | None = None


class Report(Part):
    """The assessment report. Sections an older report lacks are None (or empty) here."""

    readiness_version: str | None = None
    created_at: str | None = None
    dataset: DatasetSection | None = None
    checks: list[Finding] = []
    split: SplitSection | None = None
    readiness: Readiness | None = None
    models: list[ModelEntry] = []
    deep: DeepSection | None = None
    comparison: Comparison | None = None
    verdict: VerdictSection | None = None
    recommendation: RecommendationSection | None = None
    test_budget: TestBudget | None = None
    learning_curves: LearningCurves | None = None
    economics: Economics | None = None
    history: HistorySection | None = None
    label_noise: LabelNoise | None = None
    images: ImagesSection | None = None  # an image dataset's (issue 13)
    answers: dict[str, Any] | None = None
    timings: dict[str, Number | None] = {}
    cpu_timings: dict[str, Number | None] = {}
    elapsed: Elapsed | None = None

    def as_json(self) -> dict[str, Any]:
        """The report as the JSON the service stores and serves."""
        return self.model_dump(mode="json")


P = TypeVar("P", bound=Part)


def as_report(report: Report | Mapping[str, Any]) -> Report:
    """`report` as the model: stored JSON is validated (`pydantic.ValidationError` when it is no report)."""
    if isinstance(report, Report):
        return report
    if not isinstance(report, Mapping):
        raise TypeError(f"report must be a Report or a mapping, however: {type(report).__name__}")
    return Report.model_validate(report)


def present(part: P | None) -> P | None:
    """The part, or None when it is absent or was stored empty (`{}`): a reader shows nothing for either."""
    if part is None or not (part.model_fields_set or part.model_extra):
        return None
    return part
