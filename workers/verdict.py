"""The verdict in words: what the team should do next, decided from the evidence and their target.

Rules, first match wins (the order is the point — a later rule is only trusted once the earlier
ones have been ruled out):

1. `fix_data_first` — a data check found leakage, duplicates across splits or conflicting labels
   (severity "error"), or the deep model failed its overfit check. Every number measured on such
   data is suspect, so this wins whatever the AUCs say.
2. `not_feasible_yet` — a target is set and every model's CI upper bound is below it. If the
   learning curve is still rising, more data may close the gap: `collect_more_data` instead.
3. `collect_more_data` — too few examples of the rarest class to trust any estimate (fewer than
   `MIN_TEST_MINORITY` in the test split, or fewer than `MIN_CLASS_COUNT` in all), or a learning curve
   still rising with a gain worth having.
4. `deep_learning_worth_it` — the deep model beats the best baseline by more than a practical margin
   with p < 0.05 (DeLong).
5. `simple_model_good_enough` — the deep model ran and is not significantly better: the baseline is
   as good ("you've won"). If the deep model looks better but no test was run: `inconclusive`.
6. The deep model failed or was not trained: `simple_model_good_enough` if the baseline's CI clears the
   target, otherwise `inconclusive` — no comparison was made, and we say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workers.numbers import format_delta, format_p_compact, format_target
from workers.rubric.evidence import (
    PRACTICAL_AUC_MARGIN,
    SIGNIFICANCE_LEVEL,
    Evidence,
    check_label,
    first_sentence,
    metric_label,
    model_label,
)
from workers.rubric.questionnaire import Answers

VerdictCode = Literal[
    "fix_data_first",
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


@dataclass(frozen=True)
class Verdict:
    code: VerdictCode
    summary: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "summary": self.summary}


def decide_verdict(evidence: Evidence, answers: Answers) -> Verdict:
    """Apply the rules of this module, in order, and say why in one or two sentences with the numbers."""
    for rule in (_data_problems, _target_missed, _too_little_data, _deep_wins, _deep_no_better):
        verdict = rule(evidence, answers)
        if verdict is not None:
            return verdict
    return _no_comparison(evidence, answers)


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


def _too_little_data(ev: Evidence, _: Answers) -> Verdict | None:
    test_minority = ev.test_min_class_count if ev.test_rows else round(ev.min_class_count * TEST_FRACTION)
    if test_minority < MIN_TEST_MINORITY or ev.min_class_count < MIN_CLASS_COUNT:
        rare = "positives" if ev.is_binary else "rows of the rarest class"
        best = ev.best("roc_auc")
        spread = f" (best ROC-AUC so far: {best.label} {best.estimate})" if best else ""
        return Verdict(
            "collect_more_data",
            f"Only about {test_minority} {rare} in the test split ({ev.min_class_count} in all) — too few "
            f"for a trustworthy estimate{spread}. Collect more labelled examples, above all of the rarer "
            "class, before choosing a model.",
        )
    if ev.learning_curve_promising:
        return Verdict(
            "collect_more_data",
            f"Your learning curve is still rising{_gain(ev)}: more labels will help more than a bigger model.",
        )
    return None


def _deep_wins(ev: Evidence, answers: Answers) -> Verdict | None:
    if not ev.deep_significantly_better:
        return None
    deep, base = ev.metric("deep", "roc_auc"), ev.metric("baseline", "roc_auc")
    against = f" against {model_label(ev.best_baseline)} {base}" if base else ""
    scores = f" ROC-AUC {deep}{against}." if deep else ""
    return Verdict(
        "deep_learning_worth_it",
        f"The deep model is significantly better ({_comparison(ev)}):{scores}"
        + _target_note(ev, answers, "deep"),
    )


def _deep_no_better(ev: Evidence, answers: Answers) -> Verdict | None:
    delta = ev.roc_auc_delta
    if ev.deep_test is None or delta is None:
        return None
    if ev.comparison_p_value is None and delta > PRACTICAL_AUC_MARGIN:
        return Verdict(
            "inconclusive",
            f"The deep model looks better (ΔAUC {format_delta(delta)}) but no paired significance test "
            "was run, so the gain may be noise: re-run the comparison before deciding.",
        )
    return Verdict(
        "simple_model_good_enough",
        f"The simple model is already good enough — you've won: {_baseline_scores(ev)}; "
        f"the deep model adds {_comparison(ev)}{_too_small(ev)}." + _target_note(ev, answers, "baseline"),
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
    )


def _baseline_scores(ev: Evidence) -> str:
    base = ev.metric("baseline", "roc_auc")
    scores = f" ROC-AUC {base}" if base else ""
    return f"{model_label(ev.best_baseline)}{scores}"


def _comparison(ev: Evidence) -> str:
    delta = ev.roc_auc_delta
    stats = f"ΔAUC {format_delta(delta)}" if delta is not None else "an unmeasured ΔAUC"
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


def _too_small(ev: Evidence) -> str:
    # A significant but tiny gain is still a gain on paper; say why it does not count.
    delta, p = ev.roc_auc_delta, ev.comparison_p_value
    if delta is not None and p is not None and p < SIGNIFICANCE_LEVEL and 0 < delta <= PRACTICAL_AUC_MARGIN:
        return f", real but below the {PRACTICAL_AUC_MARGIN} that would matter"
    return ""


def _gain(ev: Evidence) -> str:
    gain = ev.expected_gain_next_doubling
    return f" (about {format_delta(gain)} ROC-AUC per doubling of the data)" if gain is not None else ""
