"""The verdict in words: what the team should do next, decided from the evidence and their target.

Rules, first match wins (the order is the point — a later rule is only trusted once the earlier
ones have been ruled out):

1. `fix_data_first` — a data check found leakage, duplicates across splits or conflicting labels
   (severity "error"), or the deep model failed its overfit check. Every number measured on such
   data is suspect, so this wins whatever the AUCs say.
2. `not_feasible_yet` — a target is set and every model's CI upper bound is below it. If the
   learning curve is still rising, more data may close the gap: `collect_more_data` instead.
3. `collect_more_data` — too few examples of the rarest class to trust any estimate (fewer than
   `MIN_TEST_MINORITY` in the test split, or fewer than `MIN_CLASS_COUNT` in all).
4. `no_signal` — the best model's test ROC-AUC interval reaches chance (0.5): whatever the comparison
   says, neither model has shown it learned anything, and "the simple model is good enough" would be
   praise for a coin.
5. `collect_more_data` — a learning curve still rising with a gain worth having.
6. The comparison, read from the 95% interval [L, U] of ΔAUC (deep − best baseline) against the margin
   m that matters (`payoff.min_meaningful_gain`, default 0.01) — an equivalence/non-inferiority
   reading (Walker & Nowacki 2011), not "p > 0.05":
   `deep_learning_worth_it` when L > m; `simple_model_good_enough` when U < m (said as "significantly
   worse" when U < 0); otherwise `inconclusive`, with the test rows that would settle it
   (`Evidence.rows_to_settle`). No interval at all (no paired test): `inconclusive`.
7. The deep model failed or was not trained: `simple_model_good_enough` if the baseline's CI clears the
   target, otherwise `inconclusive` — no comparison was made, and we say so.

Each verdict also says which side to ship (`Verdict.ship`): the deep model only when it is worth it, the
best baseline when the simple model is good enough, the comparison is inconclusive or the curve is still
rising, and nothing when the data must be fixed, there is no signal, or no model can be trusted yet.
`workers.rubric.advice` words every other piece of advice from that choice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from workers.numbers import (
    format_count,
    format_delta,
    format_metric,
    format_p_compact,
    format_percent,
    format_target,
)
from workers.rubric.evidence import (
    CHANCE_AUC,
    Evidence,
    check_label,
    first_sentence,
    meaningful_gain,
    metric_label,
    model_label,
)
from workers.rubric.money_reading import money_sentence
from workers.rubric.questionnaire import Answers

VerdictCode = Literal[
    "fix_data_first",
    "no_signal",
    "not_feasible_yet",
    "collect_more_data",
    "simple_model_good_enough",
    "deep_learning_worth_it",
    "inconclusive",
]

# Below ~30 cases of the rarer class in the test split, a ROC-AUC interval is too wide to choose
# between models or to compare with a target.
MIN_TEST_MINORITY = 30
# Fewer than this in the whole dataset starves training and validation as well as test.
MIN_CLASS_COUNT = 100
# The share of rows the design's 60/20/20 split puts in test, for evidence without `test_rows`.
TEST_FRACTION = 0.2
# Label noise whose interval starts below this may be none at all: the verdict does not blame the labels.
NOISE_CLEARLY_THERE = 0.01


@dataclass(frozen=True)
class Verdict:
    code: VerdictCode
    summary: str
    # The side of the comparison the team should ship, decided with the code (None: ship nothing yet); the
    # advice (`workers.rubric.advice.derive_facts`) names and quotes this model everywhere.
    ship: Literal["baseline", "deep"] | None = None

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "summary": self.summary}


def decide_verdict(evidence: Evidence, answers: Answers) -> Verdict:
    """Apply the rules of this module, in order, and say why in one or two sentences with the numbers."""
    if evidence.margin is None:
        # Evidence recorded before the comparison carried its margin: the team's answer still applies.
        evidence = dataclasses.replace(evidence, margin=meaningful_gain(answers))
    rules = (_data_problems, _target_missed, _too_few_examples, _no_signal, _curve_rising, _compared)
    for rule in rules:
        verdict = rule(evidence, answers)
        if verdict is not None:
            verdict = _with_money(verdict, evidence) if rule is _compared else verdict
            return _with_label_noise(verdict, evidence)
    return _with_label_noise(_no_comparison(evidence, answers), evidence)


def _with_label_noise(verdict: Verdict, ev: Evidence) -> Verdict:
    """The verdict with a sentence when the labels, not the model, limit the result: noise is clearly there
    (the rate's interval starts at 1% or more), the ROC-AUC it costs (1 − the noise ceiling) is at least the
    gain that matters, and the best model sits below that ceiling by no more than that cost. A model above
    the ceiling says the noise is not the random kind the ceiling assumes: then nothing is added. The code
    is never changed."""
    noise, best = ev.label_noise, ev.best("roc_auc")
    if not noise or best is None or verdict.code == "fix_data_first" or noise.get("ceiling_roc_auc") is None:
        return verdict
    ceiling = float(noise["ceiling_roc_auc"])
    cost, headroom = 1.0 - ceiling, ceiling - best.estimate.value
    if noise["ci_low"] < NOISE_CLEARLY_THERE or cost < ev.auc_margin or not 0.0 <= headroom <= cost:
        return verdict
    return dataclasses.replace(
        verdict,
        summary=f"{verdict.summary} The labels, not the model, limit the result: about "
        f"{format_percent(noise['estimated_rate'])} of them look wrong, which caps any model near ROC-AUC "
        f"{format_metric(ceiling)}, and {best.label} already reaches {format_metric(best.estimate.value)}; "
        "check and relabel the listed rows before building a bigger model.",
    )


def _with_money(verdict: Verdict, ev: Evidence) -> Verdict:
    """The comparison's verdict with the payoff in money added (its code unchanged): the deep model's worth
    in the team's currency, or plainly that the money disagrees with the ROC-AUC reading."""
    sentence = money_sentence(ev)
    return dataclasses.replace(verdict, summary=f"{verdict.summary} {sentence}") if sentence else verdict


def _data_problems(ev: Evidence, _: Answers) -> Verdict | None:
    problems = []
    for finding in ev.blocking_findings():
        columns = [str(c) for c in finding.get("columns") or []]
        label = check_label(str(finding["check"]))
        if columns:
            problems.append(f"{label} in {', '.join(repr(c) for c in columns)}")
        else:
            problems.append(f"{label} ({finding.get('message', 'see the data checks')})")
    if ev.overfit_check_failed:
        what = first_sentence(ev.deep_failure or "") or "the deep model failed its overfit check"
        problems.append(f"{what[0].lower()}{what[1:]} — the inputs or the labels are broken")
    if not problems:
        return None
    return Verdict(
        "fix_data_first",
        f"Fix the data first: {'; '.join(problems)}. Until then no score measured on this data "
        "can be trusted, however good it looks.",
    )


def _target(answers: Answers) -> tuple[str, float] | None:
    f = answers.feasibility
    if f.target_value is None:
        return None
    return f.target_metric or "roc_auc", f.target_value


def _target_missed(ev: Evidence, answers: Answers) -> Verdict | None:
    target = _target(answers)
    check = ev.check_target(*target) if target else None
    if check is None or check.status != "not_reached":
        return None
    n_models = len(ev.estimates(check.metric))
    who = "Neither model reaches" if n_models > 1 else "The model does not reach"
    goal = f"your target of {format_target(check.target)} {metric_label(check.metric)}"
    best = f"{check.result.label} {check.result.estimate}"
    if ev.learning_curve_rising:
        return Verdict(
            "collect_more_data",
            f"{who} {goal} yet (best is {best}), but the learning curve is still rising{_gain(ev)}: "
            "more labels will help more than a bigger model.",
        )
    return Verdict(
        "not_feasible_yet",
        f"{who} {goal}: best is {best}, and even its confidence interval stays below the target. "
        "It needs more or better data, better features, or a reframed problem before it is worth building.",
    )


def _too_few_examples(ev: Evidence, _: Answers) -> Verdict | None:
    test_minority = ev.test_min_class_count if ev.test_rows else round(ev.min_class_count * TEST_FRACTION)
    if test_minority >= MIN_TEST_MINORITY and ev.min_class_count >= MIN_CLASS_COUNT:
        return None
    rare = "positives" if ev.is_binary else "rows of the rarest class"
    best = ev.best("roc_auc")
    spread = f" (best ROC-AUC so far: {best.label} {best.estimate})" if best else ""
    return Verdict(
        "collect_more_data",
        f"Only about {test_minority} {rare} in the test split ({ev.min_class_count} in all) — too few "
        f"for a trustworthy estimate{spread}. Collect more labelled examples, above all of the rarer "
        "class, before choosing a model.",
    )


def _no_signal(ev: Evidence, _: Answers) -> Verdict | None:
    best = ev.best("roc_auc")
    if best is None or not ev.no_signal:
        return None
    everything = ""
    if ev.predicts_everything_positive(best.model):
        recall, precision = ev.metric(best.model, "recall"), ev.metric(best.model, "precision")
        everything = (
            f"; its decision threshold fell back to calling (nearly) every row positive (recall "
            f"{format_metric(recall.value if recall else None)}, precision "
            f"{format_metric(precision.value if precision else None)} — about the share of positives)"
        )
    return Verdict(
        "no_signal",
        f"No usable signal: the best model, {best.label}, scores ROC-AUC {best.estimate}, an interval that "
        f"reaches chance ({CHANCE_AUC}){everything}. Neither a simple nor a deep model has shown it learned "
        "anything here: check that the label is the one you mean and that the features can carry it.",
    )


def _curve_rising(ev: Evidence, _: Answers) -> Verdict | None:
    if not ev.learning_curve_promising:
        return None
    # The best model so far is worth using while the labels come in: the verdict names it, as the advice does.
    ship = ev.recommended_model
    score = ev.metric(ship, "roc_auc") if ship else None
    label = model_label(ev.best_baseline if ship == "baseline" else "deep")
    meanwhile = f" Meanwhile {label} (ROC-AUC {score}) is the model to use." if score else ""
    return Verdict(
        "collect_more_data",
        f"Your learning curve is still rising{_gain(ev)}: more labels will help more than a bigger model.{meanwhile}",
        ship=ship,
    )


def _compared(ev: Evidence, answers: Answers) -> Verdict | None:
    outcome = ev.comparison_outcome
    if outcome is None:
        return None
    margin = f"{ev.auc_margin:g}"
    if outcome == "better":
        deep, base = ev.metric("deep", "roc_auc"), ev.metric("baseline", "roc_auc")
        against = f" against {model_label(ev.best_baseline)} {base}" if base else ""
        scores = f" ROC-AUC {deep}{against}." if deep else ""
        return Verdict(
            "deep_learning_worth_it",
            f"The deep model{f' ({ev.deep_model})' if ev.deep_model else ''} is significantly better "
            f"({_comparison(ev)}), and even the interval's low end "
            f"clears the {margin} gain that matters:{scores}" + _target_note(ev, answers, "deep"),
            ship="deep",
        )
    if outcome == "worse":
        return Verdict(
            "simple_model_good_enough",
            f"The simple model is already good enough — you've won: {_baseline_scores(ev)}; the deep model "
            f"is significantly worse ({_comparison(ev)})." + _target_note(ev, answers, "baseline"),
            ship="baseline",
        )
    if outcome == "equivalent":
        interval = ev.delta_interval
        real = " — real, but" if interval and interval[0] > 0 else ","
        return Verdict(
            "simple_model_good_enough",
            f"The simple model is already good enough — you've won: {_baseline_scores(ev)}; the deep model "
            f"adds {_comparison(ev)}{real} below the {margin} gain that would matter even at the "
            "interval's high end." + _target_note(ev, answers, "baseline"),
            ship="baseline",
        )
    if outcome == "untested":
        return Verdict(
            "inconclusive",
            f"The deep model differs from {_baseline_scores(ev)} by ΔAUC {format_delta(ev.roc_auc_delta)} but no "
            "paired significance test was run, so the difference may be noise: re-run the comparison before "
            "deciding.",
            ship="baseline",
        )
    return Verdict(
        "inconclusive",
        f"Inconclusive: against {_baseline_scores(ev)} the deep model adds {_comparison(ev)}, an interval "
        f"that reaches both below and above the {margin} gain that would matter. {_rows_to_settle(ev)}",
        ship="baseline",  # the simpler model stands until the gain is shown to matter
    )


def _rows_to_settle(ev: Evidence) -> str:
    rows = ev.rows_to_settle
    if rows is None and ev.test_rows <= 0:
        return "A larger test split would settle it."
    if rows is None:
        return "The estimate sits on the margin itself, so no test split of any size would settle it."
    # The interval narrows as 1/sqrt(rows): the sentence says so, so the number is not read as a promise.
    return (
        f"About {format_count(rows)} test rows (this split has {format_count(ev.test_rows)}) would settle it if "
        f"the gain stays near {format_delta(ev.roc_auc_delta)}, since the interval narrows as 1/√rows."
    )


def _no_comparison(ev: Evidence, answers: Answers) -> Verdict:
    why = (
        f"The deep model did not finish ({first_sentence(ev.deep_failure)})"
        if ev.deep_failure
        else "The deep model was not trained"
    )
    if ev.baseline_test is None:
        return Verdict(
            "inconclusive", f"{why} and no baseline was evaluated on test: there is nothing to decide from."
        )
    target = _target(answers)
    estimate = ev.metric("baseline", target[0]) if target else None
    if target and estimate is not None and estimate.reaches(target[1]) == "reached":
        return Verdict(
            "simple_model_good_enough",
            f"The simple model is already good enough — you've won: {model_label(ev.best_baseline)} "
            f"{metric_label(target[0])} {estimate} clears your target of {format_target(target[1])}. "
            f"{why}, so it was not compared.",
            ship="baseline",
        )
    if target is None:
        judged = "but no target was set to judge it against"
    else:
        judged = f"which does not clearly reach your target of {format_target(target[1])} {metric_label(target[0])}"
    label = model_label(ev.best_baseline)
    base = ev.metric("baseline", "roc_auc")
    measured = f"scores ROC-AUC {base}" if base else "has no test ROC-AUC"
    return Verdict(
        "inconclusive",
        f"{why}, so there is no deep-versus-simple comparison. {label[0].upper()}{label[1:]} {measured}, {judged}.",
        ship="baseline",
    )


def _baseline_scores(ev: Evidence) -> str:
    base = ev.metric("baseline", "roc_auc")
    scores = f" ROC-AUC {base}" if base else ""
    return f"{model_label(ev.best_baseline)}{scores}"


def _comparison(ev: Evidence) -> str:
    """`ΔAUC +0.012 [−0.008, +0.032], p=0.24`: the estimate, its 95% interval and the paired test's p-value."""
    delta = ev.roc_auc_delta
    stats = f"ΔAUC {format_delta(delta)}" if delta is not None else "an unmeasured ΔAUC"
    interval = ev.delta_interval
    if delta is not None and interval is not None:
        stats += f" [{format_delta(interval[0])}, {format_delta(interval[1])}]"
    p = ev.comparison_p_value
    return f"{stats}, {format_p_compact(p)}" if p is not None else f"{stats}, no significance test run"


def _target_note(ev: Evidence, answers: Answers, model: Literal["baseline", "deep"]) -> str:
    """A second sentence when the winner's interval does not settle the team's target."""
    target = _target(answers)
    estimate = ev.metric(model, target[0]) if target else None
    if target is None or estimate is None:
        return ""
    goal = f"your target of {format_target(target[1])} {metric_label(target[0])}"
    status = estimate.reaches(target[1])
    if status == "uncertain":
        return f" Whether it reaches {goal} is not yet certain ({estimate})."
    if status == "not_reached":
        # Possible when the other model's interval straddles the target and so kept rule 2 quiet.
        return f" It does not reach {goal} ({estimate})."
    return ""


def _gain(ev: Evidence) -> str:
    gain = ev.expected_gain_next_doubling
    return f" (about {format_delta(gain)} ROC-AUC per doubling of the data)" if gain is not None else ""
