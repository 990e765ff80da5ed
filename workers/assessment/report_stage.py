"""The last stage: readiness scores, the verdict, and the JSON report (the contract other parts read)."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from workers.assessment.context import AssessmentContext
from workers.assessment.deep_section import deep_section, selected_as
from workers.assessment.evaluation_stages import fitted_models
from workers.assessment.images_report import report_images
from workers.assessment.noise_stage import label_noise_section, noise_evidence
from workers.assessment.outputs import LearningCurveOutput
from workers.checks import too_good_caveat, too_good_findings
from workers.errors import OverfitCheckFailed
from workers.history import dataset_shape, history_summary
from workers.report.json_values import json_ready
from workers.report.model import Report
from workers.rubric.advice import derive_facts
from workers.rubric.evidence import Evidence
from workers.rubric.next_steps import recommend
from workers.rubric.scoring import score_readiness
from workers.verdict import decide_verdict

REPORT_VERSION = "0.1.0"


def build_evidence(ctx: AssessmentContext) -> Evidence:
    dataset = ctx.dataset
    test = ctx.test_look.test
    comparison = ctx.test_look.comparison
    deep = ctx.deep
    best = comparison.best_baseline
    return Evidence(
        n_rows=dataset.n_rows,
        modality=dataset.modality,
        n_features=len(ctx.used_columns),
        n_classes=dataset.n_classes,
        min_class_count=min(dataset.class_counts.values()),
        positive_rate=dataset.positive_rate,
        findings=report_findings(ctx),
        best_baseline=best,
        baseline_test=test.get(best),
        deep_test=test.get(comparison.deep) if comparison.deep else None,
        deep_failure=deep.error,
        deep_failure_code=OverfitCheckFailed.code if deep.error else None,
        delta_roc_auc=comparison.delta_roc_auc,
        comparison_p_value=comparison.delong_p_value,
        delta_ci_low=comparison.delta_ci_low,
        delta_ci_high=comparison.delta_ci_high,
        margin=comparison.margin,
        # The deep model compared (chosen on validation among the deep families), by its name.
        deep_model=comparison.deep if comparison.deep and test.get(comparison.deep) is not None else None,
        test_rows=ctx.split.sizes["test"],
        learning_curve=_curve_evidence(ctx.learning_curve),
        economics=ctx.test_look.economics,
        label_noise=noise_evidence(label_noise_section(ctx)),
    )


def report_findings(ctx: AssessmentContext) -> list[dict[str, Any]]:
    """The data checks' findings, and after them the one check that needs the models: "too good to be
    true" on the validation scores (and the human level the answers give)."""
    feasibility = ctx.answers.feasibility
    too_good = too_good_findings(
        ctx.validation_result.metrics,
        human_level=feasibility.human_level,
        human_metric=feasibility.target_metric or "roc_auc",
        modality=ctx.dataset.modality,
    )
    return [*ctx.outputs["checks"]["findings"], *(finding.to_dict() for finding in too_good)]


def _curve_evidence(curves: LearningCurveOutput) -> dict[str, Any] | None:
    """The curve's `still_rising` and `expected_gain_next_doubling`, and where the deep model is expected to
    overtake the baseline (for the payoff criterion), or None without a curve."""
    if curves.evidence is None:
        return None
    comparison = curves.comparison or {}
    overtakes = comparison.get("status") == "overtakes"
    return {
        **curves.evidence,
        "overtake_size": comparison.get("overtake_size") if overtakes else None,
        "overtake_ci_low": comparison.get("overtake_ci_low") if overtakes else None,
        "overtake_ci_high": comparison.get("overtake_ci_high") if overtakes else None,
    }


def learning_curves_section(curves: LearningCurveOutput) -> dict[str, Any] | None:
    """The report's `learning_curves` section, or None when the stage was skipped."""
    return curves.section()


def _model_entries(ctx: AssessmentContext) -> list[dict[str, Any]]:
    validation = ctx.validation_result
    looked = ctx.test_look
    entries = []
    for model in fitted_models(ctx):
        entries.append(
            {
                "name": model.name,
                "family": model.family,
                "device": model.device,
                "fit_seconds": model.fit_seconds,
                "status": "ok",
                "error": None,
                "selected_as": _selected_as(ctx, model.name),
                "validation": validation.metrics[model.name],
                "threshold": asdict(choice) if (choice := validation.thresholds.get(model.name)) else None,
                "test": looked.test[model.name],
                "curves": looked.curves.get(model.name),
                "diagnostics": model.diagnostics,
            }
        )
    for deep in ctx.deep.all_candidates():
        if deep.model is not None:
            continue
        entries.append(
            {
                "name": deep.name,
                "family": "deep",
                "device": deep.device or "cpu",
                "fit_seconds": deep.fit_seconds or 0.0,
                "status": "failed",
                "error": deep.error,
                "validation": None,
                "test": None,
                "curves": None,
                "diagnostics": deep.diagnostics,
            }
        )
    return entries


def _selected_as(ctx: AssessmentContext, name: str) -> str | None:
    return selected_as(name, ctx.validation_result.best_baseline, ctx.deep)


def report_stage(ctx: AssessmentContext) -> Report:
    """The report of the finished stages; the stage output the runner stores is `{"report": its JSON}`."""
    evidence = build_evidence(ctx)
    verdict = decide_verdict(evidence, ctx.answers)
    # One set of facts from the verdict: the rubric's sentences and the next steps all quote it.
    facts = derive_facts(evidence, ctx.answers, verdict_code=verdict.code, ship=verdict.ship)
    readiness = score_readiness(ctx.answers, evidence, facts)
    recommendation = recommend(facts, ctx.answers, evidence)
    caveat = too_good_caveat(evidence.findings)
    if caveat and verdict.code != "fix_data_first" and caveat not in verdict.summary:
        verdict = replace(verdict, summary=f"{verdict.summary} {caveat}")
    comparison = ctx.test_look.comparison.to_json()
    comparison.update({"verdict": verdict.code, "summary": verdict.summary})
    excluded = ctx.outputs["checks"]["excluded"]
    dataset = dict(ctx.outputs["profile"]["dataset"])
    dataset.update(
        {
            "excluded_columns": [{"name": name, "reason": why} for name, why in excluded.items()],
            "used_columns": ctx.used_columns,
            "modality": ctx.dataset.modality,
        }
    )
    report = {
        "readiness_version": REPORT_VERSION,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dataset": dataset,
        "checks": evidence.findings,
        "split": ctx.split.to_dict(),
        "readiness": readiness,
        "models": _model_entries(ctx),
        "deep": deep_section(ctx.deep),
        "comparison": comparison,
        "verdict": verdict.to_dict(),
        "recommendation": recommendation.to_dict(),
        "test_budget": ctx.test_look.test_budget,
        "learning_curves": learning_curves_section(ctx.learning_curve),
        "economics": ctx.test_look.economics,
        "history": history_summary(dataset_shape(dataset), ctx.store.history()),
        "label_noise": label_noise_section(ctx),
        "answers": ctx.answers.model_dump(mode="json"),
        "timings": ctx.timings(),
        "cpu_timings": ctx.cpu_timings(),
    }
    # Only an image dataset's report has the section: a table's JSON stays as it was.
    if (images := report_images(ctx, facts.ship.role if facts.ship else None)) is not None:
        report["images"] = images
    return Report.model_validate(json_ready(report))
