"""One set of facts, derived once per assessment, that every piece of advice quotes.

Before this module each criterion read the evidence its own way: feasibility quoted whichever model had the
best interval, fault tolerance the comparison's pick, and the dataset criterion advised more labels from the
row count alone while the learning curve said more rows add nothing. `derive_facts` settles those questions
once — which model to ship (the verdict's), that model's test numbers, whether more labels help (the learning
curve), what is wrong with the data — and the sentences below are the only places advice is worded from them.
The rubric (`workers.rubric.scoring`), the "what to do next" list (`workers.rubric.next_steps`) and the
verdict all read the same `Facts`, so they cannot disagree.

Adding a fact (the expected value per 1,000 decisions, an estimated label-error rate, the rows the curve says
are needed, the questionnaire's data kind...) is one field on `Facts`, filled in `derive_facts`, and the
sentences that use it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from workers.families import FAMILY_LABELS, family_of
from workers.numbers import format_count, format_delta, format_metric
from workers.rubric.evidence import (
    CHANCE_AUC,
    Evidence,
    MetricEstimate,
    check_label,
    first_sentence,
    meaningful_gain,
    model_label,
)
from workers.rubric.money_reading import value_threshold
from workers.rubric.questionnaire import Answers

Role = Literal["baseline", "deep"]

# What more labelled rows would do, read once from the learning curve (and the verdict):
# `help` the curve still rises by a gain worth having; `little` it rises, by less than that; `flat` it has
# levelled off; `needed` too few examples to measure anything, whatever the curve says; `unknown` no curve.
LabelsOutlook = Literal["help", "little", "flat", "needed", "unknown"]

# Verdicts after which no model should be shipped, and why (the sentence completes "Do not ship a model yet: ").
_NO_SHIP_REASONS: dict[str, str] = {
    "fix_data_first": "no score measured on this data can be trusted until the data is fixed",
    "no_signal": f"no model has shown it learned anything (the best ROC-AUC interval reaches chance, {CHANCE_AUC})",
    "not_feasible_yet": "no model reaches your target, even at the high end of its interval",
}

OVERFIT_ADVICE = (
    "Inspect the labels and the preprocessing: a model that cannot memorise a handful of rows is being fed "
    "broken data."
)



@dataclass(frozen=True)
class ShippedModel:
    """The model the team should ship, named as the report names it, with its numbers on the test split."""

    role: Role  # the baseline side or the deep side of the comparison
    label: str  # as the report's model table names it: "XGBoost", "Logistic regression", "ResNet MLP"
    family: str  # a workers.families name ("xgboost", "deep"); the role when the name is not a family's label
    reason: str  # why this one, in a clause: "the deep model adds no gain that matters over it"
    test: dict[str, Any]  # its test metrics as the evaluation wrote them
    # With the payoff in money: the threshold that maximises expected value for it, and what it is worth
    # (workers.rubric.money_reading.value_threshold); None without money answers.
    money: str | None = None

    @property
    def in_sentence(self) -> str:
        """The name inside a sentence: "logistic regression", "XGBoost"."""
        return model_label(self.label)

    def metric(self, name: str) -> MetricEstimate | None:
        return MetricEstimate.parse(self.test.get(name))

    @property
    def threshold(self) -> float | None:
        value = self.test.get("threshold")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def numbers(self) -> str:
        """`test ROC-AUC 0.996 [0.976, 0.999]; at its threshold 0.613, precision 1.000 and recall 0.881`."""
        parts = []
        auc = self.metric("roc_auc")
        if auc is not None:
            parts.append(f"test ROC-AUC {auc}")
        precision, recall = self.metric("precision"), self.metric("recall")
        if precision is not None and recall is not None:
            at = f"at its threshold {format_metric(self.threshold)}, " if self.threshold is not None else ""
            parts.append(
                f"{at}precision {format_metric(precision.value)} and recall {format_metric(recall.value)}"
            )
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The report's `recommendation.ship`."""
        return {
            "role": self.role,
            "family": self.family,
            "label": self.label,
            "reason": self.reason,
            "roc_auc": self.test.get("roc_auc"),
            "precision": self.test.get("precision"),
            "recall": self.test.get("recall"),
            "threshold": self.threshold,
        }


@dataclass(frozen=True)
class DataProblem:
    """A finding that voids every measured score (leakage, split duplicates, conflicting labels, a failed
    overfit check), and the one sentence that says to fix it."""

    label: str  # "label leakage"
    columns: tuple[str, ...] = ()
    detail: str | None = None  # when there are no columns: what the check said
    fix: str | None = None  # the advice, when "fix it and re-run" is not the whole of it

    @property
    def where(self) -> str:
        return f" ({', '.join(self.columns)})" if self.columns else ""

    @property
    def advice(self) -> str:
        return (
            self.fix
            or f"Fix the {self.label}{self.where} and re-run: until then every measured score is void."
        )


@dataclass(frozen=True)
class Facts:
    """What an assessment established, once; every advice sentence is worded from these fields.

    Facts other work adds here, one field each, filled in `derive_facts` and read by the sentences below:
    the expected value per 1,000 decisions (payoff, the ship reason), an estimated label-error rate (the
    dataset criterion, `data_problems` when it voids the scores), the rows the learning curve says a target
    needs (`labels_advice`), the questionnaire's data kind and labelled-example counts (the dataset criterion).
    A second deep family needs nothing here: `Evidence.deep_model` names the deep model chosen on validation.
    """

    verdict_code: str | None  # None: scored without a verdict (the rubric alone)
    ship: ShippedModel | None
    no_ship_reason: str | None  # when `ship` is None: why no model should be shipped yet
    labels: LabelsOutlook
    gain_per_doubling: float | None  # expected ROC-AUC gain of doubling the data (the learning curve's)
    n_rows: int
    data_problems: tuple[DataProblem, ...] = ()
    test_minority: int | None = None  # rows of the rarest class in the test split
    rows_to_settle: int | None = None  # test rows that would settle an inconclusive comparison
    test_rows: int = 0
    overtake: tuple[float, float | None, float | None] | None = None  # rows where deep overtakes (curve)
    rows_noun: str = "rows"  # what one labelled example is called in sentences ("images")

    @property
    def shipped_label(self) -> str:
        return self.ship.in_sentence if self.ship else "the models"


def derive_facts(
    ev: Evidence, answers: Answers, *, verdict_code: str | None = None, ship: Role | None = None
) -> Facts:
    """The facts of one assessment. `verdict_code` and `ship` come from the verdict (`Verdict.code`,
    `Verdict.ship`); without a verdict the comparison's own pick stands (`Evidence.recommended_model`)."""
    if ev.margin is None:
        # As the verdict reads it: evidence recorded before the comparison carried its margin.
        ev = dataclasses.replace(ev, margin=meaningful_gain(answers))
    role = ship if verdict_code is not None else ev.recommended_model
    shipped = _shipped(ev, role, verdict_code) if role else None
    no_ship = None if shipped else _no_ship_reason(ev, answers, verdict_code)
    return Facts(
        verdict_code=verdict_code,
        ship=shipped,
        no_ship_reason=no_ship,
        labels=_labels_outlook(ev, verdict_code),
        gain_per_doubling=ev.expected_gain_next_doubling,
        n_rows=ev.n_rows,
        data_problems=tuple(data_problems(ev)),
        test_minority=ev.test_min_class_count if ev.test_rows else None,
        rows_to_settle=ev.rows_to_settle,
        test_rows=ev.test_rows,
        overtake=ev.deep_overtake,
        rows_noun=ev.rows_noun,
    )


def data_problems(ev: Evidence) -> list[DataProblem]:
    found = [
        DataProblem(
            check_label(str(f["check"])),
            tuple(str(c) for c in f.get("columns") or []),
            None if f.get("columns") else str(f.get("message", "see the data checks")),
        )
        for f in ev.blocking_findings()
    ]
    if ev.overfit_check_failed:
        found.append(
            DataProblem("failed overfit check", (), first_sentence(ev.deep_failure or ""), OVERFIT_ADVICE)
        )
    return found


def _shipped(ev: Evidence, role: Role, verdict_code: str | None) -> ShippedModel | None:
    test = ev.baseline_test if role == "baseline" else ev.deep_test
    if test is None:
        return None
    name = ev.best_baseline if role == "baseline" else ev.deep_model
    label, family = _name_and_family(name, role)
    reason = _ship_reason(ev, role, verdict_code)
    return ShippedModel(role, label, family, reason, dict(test), money=value_threshold(ev, label))


def _name_and_family(name: str | None, role: Role) -> tuple[str, str]:
    """The model's name as the report's model table writes it ("XGBoost"), and its family ("xgboost")."""
    if not name:
        return ("the best baseline" if role == "baseline" else "the deep model"), role
    family = family_of(name)
    if family is not None and family == name.lower().replace(" ", "_").replace("-", "_"):
        return FAMILY_LABELS[family], family  # evidence that names the family ("xgboost") rather than the model
    return name, family or role


def _ship_reason(ev: Evidence, role: Role, verdict_code: str | None) -> str:
    outcome = ev.comparison_outcome
    margin = f"{ev.auc_margin:g}"
    delta = f"ΔAUC {format_delta(ev.roc_auc_delta)}" if ev.roc_auc_delta is not None else ""
    if role == "deep":
        if outcome == "better":
            return f"it beats {model_label(ev.best_baseline)} by more than the {margin} ROC-AUC gain that matters ({delta})"
        return "it is the only model evaluated on test"
    if verdict_code == "collect_more_data":
        return "it is the best model so far; use it while more labels come in"
    if outcome == "worse":
        return f"the deep model is significantly worse ({delta})"
    if outcome == "equivalent":
        return f"the deep model adds no gain that matters over it ({delta}; the gain that matters: {margin})"
    if outcome in ("inconclusive", "untested"):
        return "the simpler model stands until the deep model's gain is shown to matter"
    if ev.deep_test is None:
        return "the deep model was not compared, so the simpler model stands"
    return "the simpler model, as nothing shows the deep model is better"


def _no_ship_reason(ev: Evidence, answers: Answers, verdict_code: str | None) -> str:
    if verdict_code in _NO_SHIP_REASONS:
        return _NO_SHIP_REASONS[verdict_code]
    if verdict_code == "collect_more_data":
        target = answers.feasibility.target_value
        check = (
            ev.check_target(answers.feasibility.target_metric or "roc_auc", target)
            if target is not None
            else None
        )
        if check is not None and check.status == "not_reached":
            return "no model reaches your target yet, though the learning curve is still rising"
        return "too few labelled examples to trust any estimate, so none can be chosen yet"
    if ev.baseline_test is None and ev.deep_test is None:
        return "no model was evaluated on test"
    return "no model clearly stands out"


def _labels_outlook(ev: Evidence, verdict_code: str | None) -> LabelsOutlook:
    if ev.learning_curve_promising or (verdict_code == "collect_more_data" and ev.learning_curve_rising):
        return "help"
    if verdict_code == "collect_more_data":
        return "needed"  # too few examples to trust any estimate: a measurement problem, not the curve's
    if ev.learning_curve is None or (ev.expected_gain_next_doubling is None and not ev.learning_curve_rising):
        return "unknown"
    return "little" if ev.learning_curve_rising else "flat"


# --- sentences: the only places advice is worded from the facts ------------------------------------------


def per_doubling(facts: Facts) -> str:
    """`about +0.012 ROC-AUC from doubling the labelled data to 1,138 rows`, or "" without a gain."""
    gain = facts.gain_per_doubling
    if gain is None:
        return ""
    rows = f" to {format_count(2 * facts.n_rows)} {facts.rows_noun}" if facts.n_rows else ""
    return f"about {format_delta(gain)} ROC-AUC from doubling the labelled data{rows}"


def labels_advice(facts: Facts) -> str | None:
    """What to do about labels, from the learning curve: None when there is no curve to go by."""
    gain = per_doubling(facts)
    if facts.labels == "help":
        return (
            f"Collect more labelled {facts.rows_noun}: the learning curve is still rising"
            + (f", {gain}" if gain else "")
            + ", so more labels will help more than a bigger model."
        )
    if facts.labels == "needed":
        minority = facts.test_minority
        count = f"with about {format_count(minority)} in the test split, " if minority is not None else ""
        return f"Collect more labelled examples, above all of the rarer class: {count}no estimate can be trusted yet."
    if facts.labels == "little":
        return (
            f"Expect little from more labels: the learning curve still rises, but only {gain or 'slightly'}."
        )
    if facts.labels == "flat":
        return (
            f"Do not spend on more labels to improve {facts.shipped_label}: the learning curve is flat"
            + (f" ({gain})" if gain else "")
            + "."
        )
    return None


def curve_finding(facts: Facts) -> str | None:
    """The dataset criterion's finding about the learning curve."""
    gain = per_doubling(facts)
    if facts.labels in ("help", "little"):
        return f"The learning curve is still rising{f' ({gain})' if gain else ''}: the data, not the model, is the limit."
    if facts.labels == "flat":
        return f"The learning curve has levelled off{f' ({gain})' if gain else ''}: more {facts.rows_noun} of the same kind will not lift the score."
    return None


def when_to_revisit(facts: Facts) -> str:
    """When deep learning is worth another look, from the learning curves (overtaking point, or the labels)."""
    if facts.overtake is not None:
        return f"revisit deep learning at about {format_count(facts.overtake[0])} labelled training {facts.rows_noun}"
    if facts.labels == "help":
        return "its learning curve is still rising, so more labels will help more than a bigger model"
    if facts.labels in ("flat", "little"):
        return "the learning curves have levelled off, so neither more labels nor a bigger model is likely to change this"
    return "revisit deep learning with much more data"


def missed_target_advice(facts: Facts, *, side: bool) -> str:
    """What to do when a target is missed: a precision/recall target moves with the threshold; otherwise more
    labels only when the curve says they help."""
    if side and facts.ship is not None and facts.ship.threshold is not None:
        return (
            f"Move {facts.ship.in_sentence}'s decision threshold (now {format_metric(facts.ship.threshold)}) to trade "
            "precision for recall, or revisit the target with the people who set it."
        )
    if facts.labels in ("help", "needed", "unknown"):
        return "Collect more data, or revisit the target with the people who set it."
    return (
        "Revisit the target with the people who set it, or find better features: "
        f"more {facts.rows_noun} of the same data will not get there."
    )


def ship_step(facts: Facts) -> str:
    """The decision, as the first step after any data fix: ship this model, or ship none yet."""
    if facts.ship is None:
        return f"Do not ship a model yet: {facts.no_ship_reason or 'nothing has been shown to work'}."
    numbers = facts.ship.numbers()
    money = f"; {facts.ship.money}" if facts.ship.money else ""
    return f"Ship {facts.ship.in_sentence}{f' ({numbers})' if numbers else ''}: {facts.ship.reason}{money}."


def settle_step(facts: Facts) -> str | None:
    """For an inconclusive comparison: the test rows that would settle it."""
    if facts.verdict_code != "inconclusive" or facts.rows_to_settle is None:
        return None
    return (
        f"Settle the deep-versus-simple comparison on a larger test split: about {format_count(facts.rows_to_settle)} "
        f"test {facts.rows_noun} (this one has {format_count(facts.test_rows)})."
    )
