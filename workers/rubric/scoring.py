"""The readiness score: Catanzaro's five criteria, each from the questionnaire and the measured evidence.

How a criterion is scored: every answered question and every measurement becomes a *signal* — an
aspect score 0–100 with the sentence that explains it. The criterion score is the mean of its aspect
scores, capped by its *gates*: problems that block the criterion whatever else is true (no labels,
label leakage, a model that must be retrained for every use). Signals without a score only inform.
A criterion with no scored signal is "not assessed" (None): unanswered questions are never guessed.

How the overall is formed: it is the weakest scored criterion (see `_overall`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import mean
from typing import Any

from workers.numbers import (
    format_count,
    format_delta,
    format_metric,
    format_p_compact,
    format_percent,
    format_target,
)
from workers.rubric.advice import (
    OVERFIT_ADVICE,
    DataProblem,
    Facts,
    curve_finding,
    derive_facts,
    labels_advice,
    missed_target_advice,
    when_to_revisit,
)
from workers.rubric.evidence import (
    BLOCKING_CHECKS,
    Evidence,
    MetricEstimate,
    check_label,
    first_sentence,
    metric_label,
    model_label,
)
from workers.rubric.money_reading import money_disagreement, money_reading, money_worth
from workers.rubric.questionnaire import (
    CRITERIA,
    Answers,
    Criterion,
    DatasetAnswers,
    FaultToleranceAnswers,
    FeasibilityAnswers,
    PayoffAnswers,
    ReuseAnswers,
)

# Readiness levels of the overall score.
READY_AT = 70  # overall >= 70: nothing holds the project back
PROMISING_AT = 40  # 40..69: worth doing once the named gaps are closed; below 40: not ready
MIN_SCORED_CRITERIA = 2  # fewer scored criteria than this: too little is known to call a level

# --- dataset -----------------------------------------------------------------------------------
NO_LABELS_CAP = 10  # supervised learning without labels has nothing to learn from
BLOCKING_CHECK_CAP = 20  # leakage / split duplicates / conflicting labels: measured scores are void
OVERFIT_FAILURE_CAP = 30  # cannot fit a handful of rows: labels or pipeline broken
LABEL_SOURCE_SCORES = {"existing_records": 100, "derived": 85, "manual_crowd": 65, "manual_expert": 45}
# Labelling cost per 1,000 labels (any currency, read as US dollars): (upper bound, score).
LABELLING_COST_TIERS = ((50.0, 100), (500.0, 75), (5000.0, 50))
LABELLING_COST_EXPENSIVE_SCORE = 25
MORE_LABELS_SCORES = {"many": 100, "some": 70, "none": 35}
DRIFTING_DATA_SCORE = 70  # labels must keep coming as the data changes
# Size on a log scale: 50 at the midpoint, +25 per tenfold. Catanzaro: "large" is typically thousands
# to millions of rows, so 1,000 rows sits at the border and 100,000 scores full marks.
ROWS_MIDPOINT = 1000
MINORITY_MIDPOINT = 300  # rows of the rarest class (positives for a binary target)
POINTS_PER_TENFOLD = 25
SMALL_DATA_BELOW = 50  # size score under this: "small for deep learning"
LARGE_DATA_FROM = 75
FINDING_SCORES = {"error": 50, "warning": 80}  # other data-check findings, by severity
BLOCKING_WARNING_SCORE = 60  # a suspected (not confirmed) leak
# The pipeline drops these columns before training, so they are reported but do not score.
DROPPED_COLUMN_CHECKS = frozenset({"constant_column", "id_like_column", "free_text_column"})
RISING_CURVE_SCORE = 60
# Questionnaire v2: the size a team states is scored on the same scale as a measured one (a gate: a team's
# own "300 rows" is as small as a measured one) until an assessment measures it — then the measured rows
# win, and a stated size more than tenfold off is a finding.
SIZE_DISAGREEMENT_FACTOR = 10
# Deep learning learns its own features from images, audio and text; on tables, gradient-boosted trees
# remain the model to beat (TabArena 2025: tuned GBDTs and the best deep tabular models within a few Elo).
DATA_KIND_SCORES = {"images": 100, "audio": 100, "text": 100, "time_series": 80, "table": 65}
# New labels: what a year brings, on the size scale (50 at 1,000 a year, +25 per tenfold), never below
# "no more labels" (a trickle of a dozen a year is no better than none).
NO_NEW_LABELS_SCORE = MORE_LABELS_SCORES["none"]
MONTHS_PER_YEAR = 12

# --- reuse ---------------------------------------------------------------------------------------
MODEL_REUSE_SCORES = {"one_off": 25, "few_products": 65, "many_products": 100}
RETRAIN_SCORES = {"never": 100, "yearly": 90, "monthly": 75, "weekly": 55}
RETRAIN_PER_USE_CAP = 20  # Catanzaro: if small changes invalidate the model, it is not a good fit
STALE_MODEL_SCORE = 50  # data drifts but the model is never retrained

# --- feasibility ---------------------------------------------------------------------------------
NOT_X_TO_Y_CAP = 15  # "magic goes here" is not a supervised-learning problem
# What the models reached on test caps feasibility (measured beats stated): an answered "yes, it is an
# X -> Y mapping" must not lift a target the evidence leaves in doubt.
TARGET_SCORES = {"reached": 100, "uncertain": 60}
TARGET_MISSED_CAP = 25
TARGET_MISSED_RISING_CAP = 45  # missed, but more data is still helping
SIDE_TARGET_MISSED_SCORE = 45  # a precision/recall target: the threshold is the team's lever, so no cap
ABOVE_HUMAN_SCORE = 40
# Without a target, ROC-AUC above chance caps feasibility: 0.5 -> 0, 0.75 -> 50, 1.0 -> 100.
AUC_POINTS_PER_UNIT = 200

# --- payoff --------------------------------------------------------------------------------------
VALUE_SCORES = {"low": 20, "medium": 55, "high": 85, "transformative": 100}
# An existing ML model leaves only an incremental gain; manual work or nothing leaves the most.
CURRENT_SOLUTION_SCORES = {"none": 90, "manual": 85, "heuristic": 70, "ml_model": 45}
DEEP_WINS_SCORE = 90
DEEP_ADDS_NOTHING_SCORE = 50
# The payoff in money: the deep model's ΔEV interval over the best baseline above 0, or at or below 0.
DEEP_PAYS_SCORE = 90
DEEP_DOES_NOT_PAY_SCORE = 50

# --- fault tolerance -----------------------------------------------------------------------------
COST_OF_ERROR_SCORES = {"low": 100, "medium": 75, "high": 45, "safety_critical": 20}
NO_HUMAN_SCORE = 50
NO_HUMAN_COSTLY_SCORE = 25  # nobody checks, and errors are expensive
NO_FALLBACK_SCORE = 55
UNGUARDED_SAFETY_CAP = 10  # safety-critical with no human and no fallback: no guard rails at all

MAX_ADVICE = 2  # recommendations per criterion: the two most pressing

_GOOD_ADVICE: dict[Criterion, str] = {
    "dataset": "Keep the labelled data versioned and growing; it is the asset that matters most.",
    "reuse": "Plan one model serving its uses, retrained on a schedule.",
    "feasibility": "Keep the target and the test split fixed so progress stays measurable.",
    "payoff": "Track the value delivered against the oracle answer once the model is live.",
    "fault_tolerance": "Keep the guard rails (human review, fallback) as the model is rolled out.",
}


@dataclass(frozen=True)
class _Signal:
    score: int | None  # how good this aspect is, 0..100; None = informative only
    finding: str
    advice: str | None = None  # what to do about it, when something should be done
    gate: bool = False  # caps the criterion at `score` instead of joining the mean
    from_evidence: bool = False


def score_readiness(answers: Answers, evidence: Evidence | None, facts: Facts | None = None) -> dict[str, Any]:
    """Score the five criteria and the overall readiness level; the result is JSON-ready.

    Returns `{"criteria": {criterion: {"score", "findings", "recommendation", "unanswered",
    "evidence_used"}}, "overall", "verdict", "weakest"}`; see docs/questionnaire.md. The advice quotes
    `facts` (`workers.rubric.advice.derive_facts` with the verdict); without them, facts derived from the
    evidence alone.
    """
    signals = _signals(answers, evidence, facts)
    unanswered = answers.unanswered()
    criteria = {c: _criterion(c, signals[c], unanswered[c]) for c in CRITERIA}
    scores = {c: r["score"] for c, r in criteria.items() if r["score"] is not None}
    overall = _overall(list(scores.values()))
    ranked = sorted(scores, key=lambda c: (scores[c], CRITERIA.index(c)))  # lowest score first, ties in order
    weakest = ranked[0] if ranked else None
    return {
        "criteria": criteria,
        "overall": overall,
        "verdict": _level(overall, n_scored=len(scores)),
        "weakest": weakest,
    }


def criterion_advice(answers: Answers, evidence: Evidence | None, facts: Facts | None = None) -> list[str]:
    """The advice of every criterion that holds the project back (scored below `READY_AT`), weakest first,
    each sentence once: what the "what to do next" list takes from the rubric."""
    signals = _signals(answers, evidence, facts)
    ranked: list[tuple[int, int, str]] = []
    for criterion, found in signals.items():
        score = _score(found)
        if score is None or score >= READY_AT:
            continue
        advised = sorted((s for s in found if s.advice and s.score is not None), key=lambda s: s.score or 0)
        for signal in advised[:MAX_ADVICE]:
            ranked.append((score, CRITERIA.index(criterion), signal.advice or ""))
    return list(dict.fromkeys(text for _, _, text in sorted(ranked, key=lambda r: (r[0], r[1]))))


def _signals(answers: Answers, evidence: Evidence | None, facts: Facts | None) -> dict[Criterion, list[_Signal]]:
    if evidence is not None and facts is None:
        facts = derive_facts(evidence, answers)
    return {
        "dataset": _dataset(answers.dataset, evidence, facts),
        "reuse": _reuse(answers.reuse, answers.dataset),
        "feasibility": _feasibility(answers.feasibility, evidence, facts),
        "payoff": _payoff(answers.payoff, evidence, facts),
        "fault_tolerance": _fault_tolerance(answers.fault_tolerance, evidence, facts),
    }


def _overall(scores: list[int]) -> int | None:
    # The weakest link, not an average: one blocking criterion (no labels, no way to use the model)
    # sinks the project however good the rest is, and any blend would let four strong criteria buy
    # back a blocking one ("60% ready" without labels). The per-criterion scores keep the detail.
    if len(scores) < MIN_SCORED_CRITERIA:
        return None
    return min(scores)


def _level(overall: int | None, *, n_scored: int) -> str:
    if overall is None:
        return "insufficient_information"
    if overall >= READY_AT:
        # "Ready" is a claim about all five criteria; with one not assessed it is promising at best.
        return "ready" if n_scored == len(CRITERIA) else "promising_with_gaps"
    return "promising_with_gaps" if overall >= PROMISING_AT else "not_ready"


def _score(signals: list[_Signal]) -> int | None:
    parts = [s.score for s in signals if s.score is not None and not s.gate]
    caps = [s.score for s in signals if s.score is not None and s.gate]
    if not parts and not caps:
        return None
    return round(min([mean(parts) if parts else 100, *caps]))


def _criterion(criterion: Criterion, signals: list[_Signal], unanswered: list[str]) -> dict[str, Any]:
    score = _score(signals)
    return {
        "score": score,
        "findings": [s.finding for s in signals],
        "recommendation": _recommendation(criterion, score, signals, unanswered),
        "unanswered": unanswered,
        "evidence_used": any(s.from_evidence for s in signals),
    }


def _recommendation(
    criterion: Criterion, score: int | None, signals: list[_Signal], unanswered: list[str]
) -> str:
    questions = ", ".join(f"{criterion}.{name}" for name in unanswered)
    if score is None:
        measured = " or run an assessment on your data" if criterion in ("dataset", "feasibility") else ""
        return f"Not assessed: answer {questions or 'the questions of this section'}{measured}."
    ranked = sorted((s for s in signals if s.advice and s.score is not None), key=lambda s: s.score or 0)
    advice = list(dict.fromkeys(s.advice for s in ranked if s.advice))[:MAX_ADVICE]
    text = " ".join(advice) if advice else _GOOD_ADVICE[criterion]
    if unanswered:
        text += f" Answer {questions} to firm up this score."
    return text


def _size_score(count: int, midpoint: int) -> int:
    if count <= 0:
        return 0
    return max(0, min(100, round(50 + POINTS_PER_TENFOLD * math.log10(count / midpoint))))


_KIND_WORDS = {
    "table": "table rows",
    "images": "images",
    "text": "texts",
    "audio": "audio clips",
    "time_series": "time series",
    "other": "examples",
}


def _stated_data(a: DatasetAnswers, ev: Evidence | None) -> list[_Signal]:
    """What the team says its data is (kind, size, rarest class, new labels a month), before or beside
    what an assessment measures."""
    out: list[_Signal] = []
    if a.labelled_examples is not None:
        out.append(_stated_size(a, a.labelled_examples, ev))
    if a.data_kind is not None:
        out.append(_data_kind(a.data_kind))
    if a.new_labels_per_month is not None:
        n = ev.n_rows if ev is not None else a.labelled_examples
        # A measured learning curve that has flattened says more labels will not help: no advice to hurry them.
        flat = ev is not None and ev.learning_curve is not None and not ev.learning_curve_promising
        out.append(_label_growth(a.new_labels_per_month, n, advise=not flat))
    return out


def _stated_size(a: DatasetAnswers, n: int, ev: Evidence | None) -> _Signal:
    what = _KIND_WORDS[a.data_kind or "other"]
    rarest = a.rarest_class_examples
    stated = f"{format_count(n)} labelled {what}" + (
        f", {format_count(rarest)} in the rarest class" if rarest is not None else ""
    )
    if ev is not None:
        # The measured rows win: the stated size only informs, and a large gap is worth a look.
        text = (
            f"You expect {stated}; the uploaded data has {format_count(ev.n_rows)} rows, which the score uses"
        )
        gaps = [_gap(n, ev.n_rows, "labelled examples")]
        if rarest is not None:
            gaps.append(_gap(rarest, ev.min_class_count, "examples of the rarest class"))
        found = [gap for gap in gaps if gap]
        if found:
            text += (
                f" — {'; '.join(found)}: check that the upload is the whole dataset (a sample is scored as "
                "the size it is), or correct dataset.labelled_examples"
            )
        return _Signal(None, text + ".", from_evidence=True)
    score = _size_score(n, ROWS_MIDPOINT)
    if rarest is not None:
        score = min(score, _size_score(rarest, MINORITY_MIDPOINT))
    if score < SMALL_DATA_BELOW:
        verdict = "small for deep learning (thousands to millions is typical)"
        advice: str | None = (
            "Collect more labelled examples, above all of the rarest class, before investing in a deep model."
        )
    elif score < LARGE_DATA_FROM:
        verdict = "enough for simple models, modest for deep learning"
        advice = None
    else:
        verdict, advice = "large enough for deep learning", None
    # A gate, as a measured size is: "300 rows" from the team is as small as 300 measured rows.
    return _Signal(score, f"You expect {stated} — {verdict}.", advice, gate=True)


def _gap(stated: int, measured: int, what: str) -> str:
    """Says "the upload has 12× fewer …" when the stated and measured counts differ more than tenfold."""
    low, high = sorted((stated, measured))
    if high <= SIZE_DISAGREEMENT_FACTOR * max(low, 1) or high == 0:
        return ""
    factor = high / max(low, 1)
    direction = "fewer" if measured < stated else "more"
    return f"the upload has {factor:,.0f}× {direction} {what} than you expect"


def _data_kind(kind: str) -> _Signal:
    text = {
        "images": "The examples are images: deep learning's home ground, where it learns the features itself.",
        "audio": "The examples are audio: deep learning's home ground, where it learns the features itself.",
        "text": "The examples are texts: deep learning's home ground, where it learns the features itself.",
        "time_series": "The examples are time series: deep models can help, though simple models on "
        "well-made features are strong.",
        "table": "The examples are table rows: gradient-boosted trees are the model to beat, and deep "
        "models win less often and by less.",
        "other": "The examples are of a kind other than tables, images, text, audio or time series.",
    }[kind]
    return _Signal(DATA_KIND_SCORES.get(kind), text)


def _label_growth(per_month: float, n: int | None, *, advise: bool) -> _Signal:
    per_year = per_month * MONTHS_PER_YEAR
    if per_month <= 0:
        return _Signal(NO_NEW_LABELS_SCORE, "No new labels arrive: the dataset is as large as it will get.")
    score = max(NO_NEW_LABELS_SCORE, _size_score(round(per_year), ROWS_MIDPOINT))
    text = f"About {format_count(per_month)} new labels a month ({format_count(per_year)} a year)"
    if n:
        months = n / per_month
        doubling = (
            f"{months:,.0f} months"
            if months < 2 * MONTHS_PER_YEAR
            else f"{months / MONTHS_PER_YEAR:,.0f} years"
        )
        text += f": doubling the {format_count(n)} labelled examples takes about {doubling}"
    advice = (
        "Plan how labels can come faster before counting on a larger dataset."
        if score < SMALL_DATA_BELOW and advise
        else None
    )
    return _Signal(score, text + ".", advice)


def _dataset(a: DatasetAnswers, ev: Evidence | None, facts: Facts | None) -> list[_Signal]:
    out: list[_Signal] = []
    if a.labels_available is False or a.label_source == "none":
        measured = f" (the uploaded data has {format_count(ev.n_rows)} labelled {ev.rows_noun})" if ev else ""
        out.append(
            _Signal(
                NO_LABELS_CAP,
                f"No labels are available for this project{measured}; supervised learning needs them.",
                "Find or create labels first: existing records, a derived signal, or a labelling effort."
                + (
                    " If the uploaded labels are representative, answer labels_available: true." if ev else ""
                ),
                gate=True,
            )
        )
    elif a.labels_available:
        out.append(_Signal(100, "Labels are available."))
    out.extend(_stated_data(a, ev))
    if a.label_source in LABEL_SOURCE_SCORES:
        source_score = LABEL_SOURCE_SCORES[a.label_source]
        text = {
            "existing_records": "Labels come from existing records, so they scale with the data.",
            "derived": "Labels are derived automatically, so they scale (check they mean what you think).",
            "manual_crowd": "Labels need manual crowd work; scaling them costs money and quality control.",
            "manual_expert": "Labels need skilled experts, which limits how far the dataset can scale.",
        }[a.label_source]
        advice = (
            "Look for a label source that does not need an expert per example." if source_score < 50 else None
        )
        out.append(_Signal(source_score, text, advice))
    if a.labelling_cost_per_1000 is not None:
        cost = a.labelling_cost_per_1000
        cost_score = next(
            (s for bound, s in LABELLING_COST_TIERS if cost <= bound), LABELLING_COST_EXPENSIVE_SCORE
        )
        advice = (
            "Budget for labelling, or cut its cost, before planning on a larger dataset."
            if cost_score < 50
            else None
        )
        out.append(
            _Signal(cost_score, f"Labelling costs about {format_count(cost)} per 1,000 examples.", advice)
        )
    if a.more_labels_obtainable is not None:
        more = a.more_labels_obtainable
        text = {
            "many": "Many more labels can be obtained.",
            "some": "Some more labels can be obtained.",
            "none": "No more labels can be obtained: the dataset is as large as it will get.",
        }[more]
        out.append(_Signal(MORE_LABELS_SCORES[more], text))
    if a.data_changes_over_time is not None:
        if a.data_changes_over_time:
            out.append(
                _Signal(
                    DRIFTING_DATA_SCORE,
                    "The data changes over time, so labels must keep coming to stay current.",
                    "Plan a steady stream of fresh labels and monitor drift.",
                )
            )
        else:
            out.append(_Signal(100, "The data is stable over time."))
    if ev is not None and facts is not None:
        out.extend(_dataset_evidence(ev, facts))
    return out


def _dataset_evidence(ev: Evidence, facts: Facts) -> list[_Signal]:
    out: list[_Signal] = []
    rows_score = _size_score(ev.n_rows, ROWS_MIDPOINT)
    minority_score = _size_score(ev.min_class_count, MINORITY_MIDPOINT)
    size_score = min(rows_score, minority_score)
    rarest = (
        f"{format_count(ev.min_class_count)} positives"
        if ev.is_binary
        else f"{format_count(ev.min_class_count)} in the smallest of {ev.n_classes} classes"
    )
    if size_score < SMALL_DATA_BELOW:
        verdict, advice = (
            "small for deep learning (thousands to millions is typical)",
            "Collect more labelled rows, above all of the rarer class, before investing in a deep model.",
        )
    elif size_score < LARGE_DATA_FROM:
        verdict, advice = (
            "enough for simple models, modest for deep learning",
            "More labelled rows would make a deep model more likely to pay off.",
        )
    else:
        verdict, advice = "large enough for deep learning", None
    # Where the learning curve has spoken, it decides what to do about labels, not the row count.
    if advice is not None and facts.labels != "unknown":
        advice = labels_advice(facts)
    # Size is a gate: Catanzaro's first criterion, and answers cannot make a small dataset large.
    out.append(
        _Signal(
            size_score,
            f"{format_count(ev.n_rows)} labelled {ev.rows_noun}, {rarest} — {verdict}.",
            advice,
            gate=True,
            from_evidence=True,
        )
    )
    for finding in ev.findings:
        signal = _check_signal(finding)
        if signal is not None:
            out.append(signal)
    if ev.overfit_check_failed:
        out.append(
            _Signal(
                OVERFIT_FAILURE_CAP,
                f"The deep model failed its overfit check: {first_sentence(ev.deep_failure or 'no details')}.",
                OVERFIT_ADVICE,
                gate=True,
                from_evidence=True,
            )
        )
    curve = curve_finding(facts)
    if curve is not None:
        helps = facts.labels == "help"
        out.append(
            _Signal(
                RISING_CURVE_SCORE if helps else None,
                curve,
                labels_advice(facts) if helps else None,
                from_evidence=True,
            )
        )
    out.extend(_rows_needed_signals(ev))
    out.extend(_label_noise_signals(ev))
    return out


def _rows_needed_signals(ev: Evidence) -> list[_Signal]:
    """What the learning curves say the target needs (issue 12), as findings only (no score of their own):
    "reaching 0.950 ROC-AUC needs about 12,000 [8,000, 20,000] training rows with XGBoost; the training split
    has 1,800", or that the target is not reachable by a model family."""
    out = []
    have = _curve_number((ev.learning_curve or {}).get("n_train"))
    names = {"best_baseline": ev.best_baseline or "the best baseline", "deep": "the deep model"}
    for role, rows in ev.curve_rows_needed.items():
        target, value = _curve_number(rows.get("target")), _curve_number(rows.get("value"))
        if target is None or rows.get("metric") not in (None, "roc_auc"):
            continue
        name = names.get(role, role)
        if value is not None:
            low, high = _curve_number(rows.get("ci_low")), _curve_number(rows.get("ci_high"))
            upper = format_count(high) if high is not None else "beyond what the curve can tell"
            held = f"; the training split has {format_count(have)}" if have is not None else ""
            if have is not None and value <= have:
                held += ", already enough"
            out.append(
                _Signal(
                    None,
                    f"Reaching {format_target(target)} ROC-AUC with {name} needs about {format_count(value)} "
                    f"[{format_count(low)}, {upper}] training rows (80% interval, from its learning curve){held}.",
                    from_evidence=True,
                )
            )
        elif str(rows.get("reason") or "").startswith("the curve is ill-behaved"):
            out.append(
                _Signal(
                    None,
                    f"The rows {format_target(target)} ROC-AUC needs cannot be read off {name}'s learning curve: "
                    f"{rows.get('reason')}.",
                    from_evidence=True,
                )
            )
        elif rows.get("reachable") is False:
            out.append(
                _Signal(
                    None,
                    f"{format_target(target)} ROC-AUC with {name}, from its learning curve: {rows.get('reason')}.",
                    "More labels will not get this model family there: better features or another model might.",
                    from_evidence=True,
                )
            )
    return out


def _curve_number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _label_noise_signals(ev: Evidence) -> list[_Signal]:
    """Confident learning's estimate of wrong labels: a finding with the number, and when it is high (its
    interval's low end above 3%) advice to relabel the listed rows."""
    noise = ev.label_noise
    if not noise:
        return []
    rate = (
        f"{format_percent(noise['estimated_rate'])} [{format_percent(noise['ci_low'])}, "
        f"{format_percent(noise['ci_high'])}]"
    )
    if not noise.get("high"):
        return [_Signal(None, f"About {rate} of the labels look wrong: low label noise.", from_evidence=True)]
    # Worse than a warning from 10% on: a tenth of the labels wrong caps every model and misleads training.
    score = FINDING_SCORES["error"] if noise["estimated_rate"] >= 0.10 else FINDING_SCORES["warning"]
    return [
        _Signal(
            score,
            f"About {rate} of the labels look wrong (confident learning on out-of-sample scores).",
            f"Check and relabel the {format_count(noise['n_suspects'])} rows listed as likely mislabelled "
            "(the label-suspects CSV) before investing in a bigger model; rows whose label is right but "
            "that the features cannot tell apart need better features, not a bigger model.",
            from_evidence=True,
        )
    ]


def _check_signal(finding: dict[str, Any]) -> _Signal | None:
    check = str(finding.get("check", "check"))
    severity = finding.get("severity", "info")
    if severity not in ("warning", "error"):
        return None
    columns = [str(c) for c in finding.get("columns") or []]
    where = f" ({', '.join(columns)})" if columns else ""
    label = check_label(check)
    text = f"{label[0].upper()}{label[1:]}{where}: {finding.get('message', severity)}"
    if check in BLOCKING_CHECKS:
        if severity == "error":
            return _Signal(
                BLOCKING_CHECK_CAP,
                text,
                DataProblem(label, tuple(columns)).advice,  # the words of the "what to do next" list
                gate=True,
                from_evidence=True,
            )
        return _Signal(
            BLOCKING_WARNING_SCORE,
            text,
            f"Check the suspected {label}{where} before trusting the results.",
            from_evidence=True,
        )
    if check in DROPPED_COLUMN_CHECKS:
        return _Signal(None, text + " (left out of training)", from_evidence=True)
    return _Signal(FINDING_SCORES[severity], text, from_evidence=True)


def _reuse(a: ReuseAnswers, dataset: DatasetAnswers) -> list[_Signal]:
    out: list[_Signal] = []
    if a.model_reuse is not None:
        text, advice = {
            "one_off": (
                "The model serves a single use: deep learning's cost (compute, data, engineering) rarely pays off.",
                "Look for other products or teams that could reuse the same model.",
            ),
            "few_products": ("The model would be reused by a few products.", None),
            "many_products": ("The model would be reused by many products, spreading its cost.", None),
        }[a.model_reuse]
        out.append(_Signal(MODEL_REUSE_SCORES[a.model_reuse], text, advice))
    if a.retrain_frequency == "per_use":
        out.append(
            _Signal(
                RETRAIN_PER_USE_CAP,
                "The model must be retrained for every use: small changes invalidate it, "
                "which makes deep learning a poor fit.",
                "Reframe the problem so one model covers the variations (e.g. make them inputs).",
                gate=True,
            )
        )
    elif a.retrain_frequency is not None:
        freq = a.retrain_frequency
        text = "The model need never be retrained." if freq == "never" else f"The model is retrained {freq}."
        advice = "Automate retraining and evaluation end to end." if RETRAIN_SCORES[freq] < 60 else None
        out.append(_Signal(RETRAIN_SCORES[freq], text, advice))
    if a.retrain_frequency == "never" and dataset.data_changes_over_time:
        out.append(
            _Signal(
                STALE_MODEL_SCORE,
                "The data changes over time but the model is never retrained: it will go stale.",
                "Plan periodic retraining, and monitor performance on fresh data.",
            )
        )
    return out


def _feasibility(a: FeasibilityAnswers, ev: Evidence | None, facts: Facts | None) -> list[_Signal]:
    out: list[_Signal] = []
    if a.is_x_to_y_mapping is False:
        out.append(
            _Signal(
                NOT_X_TO_Y_CAP,
                'The problem is not an X → Y mapping: it needs "magic goes here", not supervised learning.',
                "Reframe it as inputs X and a label Y that a person could assign.",
                gate=True,
            )
        )
    elif a.is_x_to_y_mapping:
        out.append(_Signal(100, "The problem is an X → Y mapping."))
    if a.target_value is not None and a.human_level is not None:
        if a.target_value > a.human_level:
            out.append(
                _Signal(
                    ABOVE_HUMAN_SCORE,
                    f"The target {format_target(a.target_value)} is above human level "
                    f"({format_target(a.human_level)}).",
                    "Check the target: beating experts needs far more data and evidence than matching them.",
                )
            )
        else:
            out.append(
                _Signal(
                    100,
                    f"The target {format_target(a.target_value)} is within human level "
                    f"({format_target(a.human_level)}).",
                )
            )
    if ev is not None and facts is not None:
        out.extend(_feasibility_evidence(a, ev, facts))
    return out


def _feasibility_evidence(a: FeasibilityAnswers, ev: Evidence, facts: Facts) -> list[_Signal]:
    out: list[_Signal] = []
    if a.target_value is not None and a.target_metric is not None:
        out.extend(_target_signal(ev, facts, a.target_metric, a.target_value, main=True))
    else:
        best = _quoted(ev, facts, "roc_auc")
        if best is not None:
            label, estimate = best
            score = max(0, min(100, round((estimate.value - 0.5) * AUC_POINTS_PER_UNIT)))
            out.append(
                _Signal(
                    score,
                    f"No target set; the test ROC-AUC is {estimate} ({label}), against 0.5 for chance.",
                    "Decide what success looks like: set feasibility.target_value.",
                    gate=True,
                    from_evidence=True,
                )
            )
    for metric, target in (("precision", a.target_precision), ("recall", a.target_recall)):
        if target is not None:
            out.extend(_target_signal(ev, facts, metric, target, main=False))
    if ev.deep_failure and not ev.overfit_check_failed:
        out.append(
            _Signal(
                None, f"The deep model did not finish: {first_sentence(ev.deep_failure)}.", from_evidence=True
            )
        )
    return out


def _quoted(ev: Evidence, facts: Facts, metric: str) -> tuple[str, MetricEstimate] | None:
    """The model a feasibility sentence quotes: the one to ship; the best on this metric when none is."""
    if facts.ship is not None:
        estimate = facts.ship.metric(metric)
        return (facts.ship.in_sentence, estimate) if estimate is not None else None
    best = ev.best(metric)
    return (best.label, best.estimate) if best is not None else None


def _target_signal(ev: Evidence, facts: Facts, metric: str, target: float, *, main: bool) -> list[_Signal]:
    """The main target (`main`) gates feasibility; a precision/recall target only joins the mean. Judged on
    the model to ship (what the team would get), or, when none is to be shipped, on the best of them."""
    if facts.ship is not None:
        quoted = _quoted(ev, facts, metric)
        if quoted is None:
            return []
        label, estimate = quoted
        status = estimate.reaches(target)
    else:
        check = ev.check_target(metric, target)
        if check is None:
            return []
        label, estimate, status = check.result.label, check.result.estimate, check.status
    name, goal = metric_label(metric), format_target(target)
    if status == "reached":
        return [
            _Signal(
                TARGET_SCORES["reached"],
                f"The target {name} {goal} is reached: {label} scores {estimate} on test.",
                from_evidence=True,
            )
        ]
    if status == "uncertain":
        return [
            _Signal(
                TARGET_SCORES["uncertain"],
                f"The target {name} {goal} may or may not be reached: {label} scores {estimate}, "
                "an interval that straddles it.",
                "Only a larger test split would narrow the interval enough to tell.",
                gate=main,
                from_evidence=True,
            )
        ]
    rising = ev.learning_curve_rising
    score = (TARGET_MISSED_RISING_CAP if rising else TARGET_MISSED_CAP) if main else SIDE_TARGET_MISSED_SCORE
    return [
        _Signal(
            score,
            f"The target {name} {goal} is not reached: {label} scores {estimate}."
            + (" The learning curve is still rising, so more data may get there." if rising else ""),
            missed_target_advice(facts, side=not main),
            gate=main,
            from_evidence=True,
        )
    ]


def _payoff(a: PayoffAnswers, ev: Evidence | None, facts: Facts | None) -> list[_Signal]:
    out: list[_Signal] = []
    if a.value_if_solved is not None:
        value = a.value_if_solved
        advice = (
            "Find a bigger payoff (who would pay for an oracle?) or a cheaper method."
            if value == "low"
            else None
        )
        out.append(_Signal(VALUE_SCORES[value], f"The value if solved is {value}.", advice))
    if a.current_solution is not None:
        text = {
            "none": "Nothing solves the problem today, so any working model is new value.",
            "manual": "People solve it by hand today: automation frees their time.",
            "heuristic": "A heuristic solves it today: the gain is what a model adds over it.",
            "ml_model": "An ML model already solves it: the gain is incremental.",
        }[a.current_solution]
        out.append(_Signal(CURRENT_SOLUTION_SCORES[a.current_solution], text))
    if a.oracle_impact:
        impact = a.oracle_impact if len(a.oracle_impact) <= 160 else a.oracle_impact[:157] + "..."
        out.append(_Signal(None, f"With an oracle: {impact}"))
    if ev is not None and facts is not None and ev.deep_test is not None:
        delta, p = ev.roc_auc_delta, ev.comparison_p_value
        base = model_label(ev.best_baseline)
        if delta is not None and p is not None:
            interval = ev.delta_interval
            within = f" [{format_delta(interval[0])}, {format_delta(interval[1])}]" if interval else ""
            stats = f"ΔAUC {format_delta(delta)}{within}, {format_p_compact(p)}"
            margin = f"{ev.auc_margin:g}"
            outcome = ev.comparison_outcome
            if outcome == "better":
                out.append(
                    _Signal(
                        DEEP_WINS_SCORE,
                        f"The deep model is significantly better than {base} ({stats}), by more than the "
                        f"{margin} that matters.",
                        from_evidence=True,
                    )
                )
            elif outcome in ("equivalent", "worse"):
                what = (
                    "is significantly worse than" if outcome == "worse" else "adds no gain that matters over"
                )
                out.append(
                    _Signal(
                        DEEP_ADDS_NOTHING_SCORE,
                        f"The deep model {what} {base} ({stats}; the gain that matters: {margin}).",
                        f"Ship {facts.shipped_label} and take its payoff now; {when_to_revisit(facts)}."
                        if facts.ship is not None
                        else None,
                        from_evidence=True,
                    )
                )
            else:
                # Not scored: an interval that holds both "no gain" and "a gain that matters" decides nothing.
                rows = ev.rows_to_settle
                settle = f"; about {format_count(rows)} test rows would settle it" if rows else ""
                out.append(
                    _Signal(
                        None,
                        f"Whether the deep model beats {base} by the {margin} that matters is not settled "
                        f"({stats}){settle}.",
                        from_evidence=True,
                    )
                )
        out.extend(_money_signals(ev, facts))
        overtake = ev.deep_overtake
        if overtake is not None and not ev.deep_significantly_better:
            out.append(
                _Signal(
                    None,
                    f"The deep model's learning curve rises faster: it is expected to overtake {base} at about "
                    f"{_rows_with_interval(*overtake)}.",
                    from_evidence=True,
                )
            )
    return out


def _money_signals(ev: Evidence, facts: Facts) -> list[_Signal]:
    """The payoff in money (workers.rubric.money_reading): a ΔEV interval above 0 scores as a deep model that
    pays, one at or below 0 as one that adds nothing; an interval across 0 only informs. A disagreement
    with the ROC-AUC reading is said as well, and advice to ship never names another model than the one
    recommended (`facts.ship`, from the verdict)."""
    reading, worth = money_reading(ev), money_worth(ev)
    if reading is None or worth is None:
        return []
    base = model_label(ev.best_baseline)
    finding = f"In money, {worth}."
    if reading == "pays":
        signal = _Signal(DEEP_PAYS_SCORE, finding, from_evidence=True)
    elif reading == "costs":
        signal = _Signal(
            DEEP_DOES_NOT_PAY_SCORE,
            finding,
            f"At your costs ship {base}: the deep model does not pay."
            if facts.ship is None or facts.ship.role == "baseline"
            else f"Check your costs before shipping {facts.shipped_label}: at them the deep model does not pay.",
            from_evidence=True,
        )
    else:
        signal = _Signal(
            None,
            f"{finding[:-1]}: the interval holds 0, so the money does not settle it.",
            from_evidence=True,
        )
    disagreement = money_disagreement(ev)
    return [signal, *([_Signal(None, disagreement, from_evidence=True)] if disagreement else [])]


def _rows_with_interval(size: float, low: float | None, high: float | None) -> str:
    if low is None:
        return f"{format_count(size)} training rows"
    if high is None:
        return f"{format_count(size)} training rows (95% interval from {format_count(low)}, unbounded above)"
    return f"{format_count(size)} training rows (95% interval {format_count(low)}–{format_count(high)})"


def _fault_tolerance(a: FaultToleranceAnswers, ev: Evidence | None, facts: Facts | None) -> list[_Signal]:
    out: list[_Signal] = []
    costly = a.cost_of_error in ("high", "safety_critical")
    if a.cost_of_error is not None:
        cost = a.cost_of_error.replace("_", "-")
        # Costly errors need guard rails; once both a human check and a fallback exist, they are in place.
        guarded = bool(a.human_in_the_loop and a.fallback_exists)
        advice = (
            "Design guard rails (review, thresholds, fallbacks) before the model goes live."
            if costly and not guarded
            else None
        )
        out.append(_Signal(COST_OF_ERROR_SCORES[a.cost_of_error], f"The cost of an error is {cost}.", advice))
    if a.human_in_the_loop is not None:
        if a.human_in_the_loop:
            out.append(_Signal(100, "A person reviews the model's output: a guard rail."))
        else:
            out.append(
                _Signal(
                    NO_HUMAN_COSTLY_SCORE if costly else NO_HUMAN_SCORE,
                    "Nobody reviews the model's output before it takes effect.",
                    "Put a person in the loop for uncertain or high-stakes predictions.",
                )
            )
    if a.fallback_exists is not None:
        if a.fallback_exists:
            out.append(_Signal(100, "A fallback exists for when the model fails."))
        else:
            out.append(
                _Signal(
                    NO_FALLBACK_SCORE,
                    "There is no fallback when the model fails.",
                    "Keep a heuristic or manual path for when the model is wrong or down.",
                )
            )
    if a.cost_of_error == "safety_critical" and a.human_in_the_loop is False and a.fallback_exists is False:
        out.append(
            _Signal(
                UNGUARDED_SAFETY_CAP,
                "Errors are safety-critical and there is neither a human check nor a fallback.",
                "Every statistical model fails at times: add a human check or a fallback before anything else.",
                gate=True,
            )
        )
    if facts is not None:
        out.extend(_error_rates(facts, binary=ev is not None and ev.is_binary))
    return out


def _error_rates(facts: Facts, *, binary: bool) -> list[_Signal]:
    # Not scored: whether these rates are tolerable is the team's call; the numbers make it concrete. They are
    # the shipped model's: the rates the team would live with.
    if facts.ship is None:
        why = facts.no_ship_reason or "nothing has been shown to work"
        return [_Signal(None, f"No model is recommended to ship yet ({why}), so no error rates are quoted.", from_evidence=True)]
    precision, recall = facts.ship.metric("precision"), facts.ship.metric("recall")
    if precision is None or recall is None:
        return []
    text = (
        f"At the chosen threshold {facts.ship.in_sentence} has precision {format_metric(precision.value)} and "
        f"recall {format_metric(recall.value)} on test"
    )
    if binary:
        text += (
            f": it misses about {format_percent(1 - recall.value)} of positives and {format_percent(1 - precision.value)} "
            "of its alarms are false"
        )
    return [_Signal(None, text + ".", from_evidence=True)]
