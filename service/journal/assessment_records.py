"""An assessment's models in the journal: each is an experiment (kind `assessment`), recorded when the
assessment succeeds; submitting an assessment whose models already ran on the same data is warned about
(it is not refused: an assessment's point is also its look at the test split, which the budget governs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from service.datasets.modality import dataset_modality
from service.journal.duplicates import earlier_run, result_line
from service.journal.procedures import ExperimentRequest, procedure_and_fingerprint, split_of_config
from service.models import Assessment, Dataset, Experiment, ExperimentKind, Project, RunStatus
from workers.experiments.families import (
    BASELINE_FAMILIES,
    DEEP,
    FAMILY_LABELS,
    hyperparameters_of,
)
from workers.families import ALL_DEEP_FAMILIES, deep_families_for
from workers.report.model import Report, as_report, present

FAMILY_OF_LABEL = {label: family for family, label in FAMILY_LABELS.items()}


def model_requests(config: dict[str, Any], modality: str = "table") -> list[ExperimentRequest]:
    """The experiments an assessment with `config` runs: the three baselines at their defaults and, unless
    switched off, the deep models of the dataset's `modality` (ResNet-MLP and TabM for a table, the CNN and
    the transfer model for images) with the request's overrides (the LR range test picks the ResNet-MLP's
    rate; the others take the overrides they have a name for)."""
    deep = deep_families_for(modality) if config.get("run_deep", True) else ()
    families = [*BASELINE_FAMILIES, *deep]
    return [
        ExperimentRequest(
            model_family=family,
            hyperparameters=_deep_overrides(config, family) if family in ALL_DEEP_FAMILIES else {},
            seed=int(config["seed"]),
            split_seed=int(config["seed"]),
            keep_columns=tuple(config.get("keep_columns") or ()),
            split=split_of_config(config),
            device=str(config.get("device") or "auto"),
        )
        for family in families
    ]


def _deep_overrides(config: dict[str, Any], family: str) -> dict[str, Any]:
    given = dict(config.get("deep_params") or {})
    if family == DEEP:
        return given
    names = {spec.name for spec in hyperparameters_of(family)}
    return {name: value for name, value in given.items() if name in names}


def repeat_warnings(
    session: Session, project: Project, dataset: Dataset, config: dict[str, Any]
) -> list[str]:
    """One sentence per model of this assessment that already ran on the same data with the same procedure."""
    warnings = []
    for request in model_requests(config, dataset_modality(dataset)):
        _, fp = procedure_and_fingerprint(dataset, request)
        earlier = earlier_run(session, project.team_id, fp)
        if earlier is not None:
            warnings.append(
                f"{FAMILY_LABELS[request.model_family]} already ran on this data with the same procedure as "
                f"{result_line(earlier)}; this assessment repeats it."
            )
    return warnings


def record_assessment_experiments(
    session: Session,
    assessment: Assessment,
    project: Project,
    dataset: Dataset,
    report: Report | Mapping[str, Any],
) -> list[Experiment]:
    """Journal entries for the models of a succeeded assessment, each with its validation and test result."""
    config = assessment.config or {}
    report = as_report(report)
    entries = {model.name: model for model in report.models}
    used_columns = report.dataset.used_columns if report.dataset else None
    recorded = []
    modality = report.dataset.modality if report.dataset else dataset_modality(dataset)
    for request in model_requests(config, modality):
        model = entries.get(FAMILY_LABELS[request.model_family])
        if model is None:
            continue
        procedure, fp = procedure_and_fingerprint(dataset, request)
        earlier = earlier_run(session, project.team_id, fp)
        ok = model.status == "ok"
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
                "used_columns": used_columns,
                "device": request.device,
            },
            fingerprint=fp,
            repeat_of=earlier.id if earlier is not None else None,
            repeat_reason=f"run again by assessment {assessment.id}" if earlier is not None else None,
            hypothesis="",
            status=RunStatus.succeeded if ok else RunStatus.failed,
            queue=assessment.queue,
            result={
                "validation": model.validation,
                "fit_seconds": model.fit_seconds,
                "device": model.device,
                "selected_as": model.selected_as,
            },
            # The metrics as the report stores them (the model's dump is that JSON, key for key).
            test_result={"metrics": test.model_dump(mode="json"), "assessment_id": str(assessment.id)}
            if (test := present(model.test))
            else None,
            error_code=None if ok else "overfit_check_failed",
            error_detail=model.error,
            created_by=assessment.created_by or "worker",
            started_at=assessment.started_at,
            finished_at=assessment.finished_at,
        )
        session.add(experiment)
        recorded.append(experiment)
    return recorded
