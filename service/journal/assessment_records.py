"""An assessment's models in the journal: each is an experiment (kind `assessment`), recorded when the
assessment succeeds; submitting an assessment whose models already ran on the same data is warned about
(it is not refused: an assessment's point is also its look at the test split, which the budget governs)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from service.journal.duplicates import earlier_run, result_line
from service.journal.procedures import ExperimentRequest, procedure_and_fingerprint
from service.models import Assessment, Dataset, Experiment, ExperimentKind, Project, RunStatus
from workers.experiments.families import BASELINE_FAMILIES, DEEP, FAMILY_LABELS

FAMILY_OF_LABEL = {label: family for family, label in FAMILY_LABELS.items()}


def model_requests(config: dict[str, Any]) -> list[ExperimentRequest]:
    """The experiments an assessment with `config` runs: the three baselines at their defaults and, unless
    switched off, the deep model with the request's overrides (the LR range test picks its rate)."""
    families = [*BASELINE_FAMILIES, *([DEEP] if config.get("run_deep", True) else [])]
    return [
        ExperimentRequest(
            model_family=family,
            hyperparameters=dict(config.get("deep_params") or {}) if family == DEEP else {},
            seed=int(config["seed"]),
            split_seed=int(config["seed"]),
            keep_columns=tuple(config.get("keep_columns") or ()),
            device=str(config.get("device") or "auto"),
        )
        for family in families
    ]


def repeat_warnings(
    session: Session, project: Project, dataset: Dataset, config: dict[str, Any]
) -> list[str]:
    """One sentence per model of this assessment that already ran on the same data with the same procedure."""
    warnings = []
    for request in model_requests(config):
        _, fp = procedure_and_fingerprint(dataset, request)
        earlier = earlier_run(session, project.team_id, fp)
        if earlier is not None:
            warnings.append(
                f"{FAMILY_LABELS[request.model_family]} already ran on this data with the same procedure as "
                f"{result_line(earlier)}; this assessment repeats it."
            )
    return warnings


def record_assessment_experiments(
    session: Session, assessment: Assessment, project: Project, dataset: Dataset, report: dict[str, Any]
) -> list[Experiment]:
    """Journal entries for the models of a succeeded assessment, each with its validation and test result."""
    config = assessment.config or {}
    entries = {model["name"]: model for model in report.get("models") or []}
    recorded = []
    for request in model_requests(config):
        model = entries.get(FAMILY_LABELS[request.model_family])
        if model is None:
            continue
        procedure, fp = procedure_and_fingerprint(dataset, request)
        earlier = earlier_run(session, project.team_id, fp)
        ok = model.get("status") == "ok"
        experiment = Experiment(
            project_id=project.id,
            dataset_id=dataset.id,
            split_id=assessment.split_id,
            assessment_id=assessment.id,
            kind=ExperimentKind.assessment,
            model_family=request.model_family,
            seed=request.seed,
            procedure={
                **procedure,
                "used_columns": (report.get("data") or {}).get("used_columns"),
                "device": request.device,
            },
            fingerprint=fp,
            repeat_of=earlier.id if earlier is not None else None,
            repeat_reason=f"run again by assessment {assessment.id}" if earlier is not None else None,
            hypothesis="",
            status=RunStatus.succeeded if ok else RunStatus.failed,
            queue=assessment.queue,
            result={
                "validation": model.get("validation"),
                "fit_seconds": model.get("fit_seconds"),
                "device": model.get("device"),
                "selected_as": model.get("selected_as"),
            },
            test_result={"metrics": model.get("test"), "assessment_id": str(assessment.id)}
            if model.get("test")
            else None,
            error_code=None if ok else "overfit_check_failed",
            error_detail=model.get("error"),
            created_by=assessment.created_by or "worker",
            started_at=assessment.started_at,
            finished_at=assessment.finished_at,
        )
        session.add(experiment)
        recorded.append(experiment)
    return recorded
