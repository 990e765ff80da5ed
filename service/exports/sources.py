"""Finding a fitted model to export — an experiment's, or one of an assessment's — and the facts its model
card needs, within one team. No fitted model (a failed, queued or cancelled run) is a 409, not a crash."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, String, cast, select
from sqlmodel import Session

from service.artifacts import ArtifactStore
from service.assessments.store import PostgresStore
from service.models import Assessment, Dataset, Experiment, ExperimentKind, Project, RunStatus, Split
from service.models.ledger import TestLook
from workers.baselines import FittedModel
from workers.errors import NotFound, ReadinessError
from workers.experiments.families import FAMILY_LABELS
from workers.report.model import as_report
from workers.split import SplitOptions

MIN_ID_PREFIX = 6


class NoFittedModel(ReadinessError):
    """There is no fitted model to export."""

    code = "no_fitted_model"
    http_status = 409


@dataclass
class ExportSource:
    """One fitted model and what its card says about it."""

    kind: str  # "experiment" | "assessment"
    source_id: str
    name: str  # the model's label, e.g. "XGBoost"
    family: str
    model: FittedModel
    project: dict[str, Any]
    dataset: dict[str, Any]
    split_seed: int
    keep_columns: tuple[str, ...]
    split_options: SplitOptions
    hyperparameters: dict[str, Any]
    train_fraction: float = 1.0
    n_train: int | None = None
    split: dict[str, Any] = field(default_factory=dict)
    threshold: float | None = None
    threshold_rule: str | None = None
    test: dict[str, Any] | None = None  # metrics with intervals, only after a budgeted look
    test_look: dict[str, Any] | None = None  # the ledger row: id, reason, who, when
    findings: list[str] = field(default_factory=list)
    experiment_id: str | None = None
    recorded_validation: dict[str, Any] = field(default_factory=dict)  # the metrics stored with the run


def _by_prefix(session: Session, model: Any, team_id: uuid.UUID, ident: str) -> Any | None:
    """A row of `model` (Experiment or Assessment) in the team by full id or unique prefix; None if none."""
    ident = ident.strip().lower()
    if len(ident) < MIN_ID_PREFIX:
        raise NotFound(f"Give at least {MIN_ID_PREFIX} characters of the id.")
    rows = session.scalars(
        select(model)
        .join(Project, model.project_id == Project.id)
        .where(Project.team_id == team_id, cast(model.id, String).like(f"{ident}%"))
        .limit(2)
    ).all()
    if len(rows) > 1:
        raise NotFound(f"{ident} matches more than one record; give more of its id.")
    return rows[0] if rows else None


def resolve(session: Session, team_id: uuid.UUID, ident: str) -> Experiment | Assessment:
    """An experiment or an assessment of the team, by id or unique prefix (experiments first)."""
    found = _by_prefix(session, Experiment, team_id, ident) or _by_prefix(session, Assessment, team_id, ident)
    if found is None:
        raise NotFound(f"No experiment or assessment {ident} in this team.")
    return found


def _facts(session: Session, project_id: uuid.UUID, dataset_id: uuid.UUID, split_id: Any) -> dict[str, Any]:
    project = session.get(Project, project_id)
    dataset = session.get(Dataset, dataset_id)
    assert project is not None and dataset is not None  # foreign keys
    split = session.get(Split, split_id) if split_id else None
    checks = [c.get("message") for c in (dataset.checks or []) if c.get("severity") in ("warning", "error")]
    return {
        "project": {
            "name": project.name,
            "description": project.description,
            "answers": project.answers or {},
        },
        "dataset": {
            "dataset": dataset.filename,
            "sha256": dataset.sha256,
            "rows": dataset.rows,
            "columns": dataset.columns,
            "target": dataset.target,
            "positive_class": dataset.positive_label,
            "row": dataset,
        },
        "split": {
            "split_id": str(split.id),
            "split_hash": split.split_hash,
            "seed": split.seed,
            "sizes": split.sizes,
        }
        if split
        else {},
        "findings": [c for c in checks if c],
        "split_row": split,
    }


def _look(
    session: Session, split: Split | None, *, assessment_id: Any = None, experiment_id: str = ""
) -> Any:
    if split is None:
        return None
    for look in session.scalars(select(TestLook).where(TestLook.split_id == split.id)).all():
        if assessment_id is not None and look.assessment_id == assessment_id:
            return look
        if experiment_id and (look.metrics or {}).get("experiment_id") == experiment_id:
            return look
    return None


def _look_json(look: Any) -> dict[str, Any] | None:
    if look is None:
        return None
    return {
        "ledger_id": str(look.id),
        "reason": look.reason,
        "who": look.who,
        "at": look.created_at.isoformat(),
    }


def experiment_source(
    engine: Engine, artifacts: ArtifactStore, session: Session, e: Experiment
) -> ExportSource:
    if e.kind == ExperimentKind.assessment and e.assessment_id is not None:
        assessment = session.get(Assessment, e.assessment_id)
        assert assessment is not None
        source = assessment_source(
            engine, artifacts, session, assessment, FAMILY_LABELS.get(e.model_family, e.model_family)
        )
        source.kind, source.source_id, source.experiment_id = "experiment", str(e.id), str(e.id)
        return source
    result = e.result or {}
    name = result.get("model_artifact")
    if e.status != RunStatus.succeeded or not name or not artifacts.exists(name):
        raise NoFittedModel(
            f"Experiment {e.id} is {e.status.value}; only a succeeded experiment has a fitted model to export."
        )
    facts = _facts(session, e.project_id, e.dataset_id, e.split_id)
    procedure = e.procedure or {}
    metrics = (e.test_result or {}).get("metrics")
    look = _look(session, facts["split_row"], experiment_id=str(e.id)) if metrics else None
    return ExportSource(
        kind="experiment",
        source_id=str(e.id),
        experiment_id=str(e.id),
        name=FAMILY_LABELS.get(e.model_family, e.model_family),
        family=e.model_family,
        model=artifacts.get_object(name),
        project=facts["project"],
        dataset=facts["dataset"],
        split={
            **facts["split"],
            "method": procedure.get("split_method") or "stratified train/validation/test",
        },
        split_seed=int(procedure.get("split_seed", e.seed)),
        keep_columns=tuple(procedure.get("keep_columns") or ()),
        split_options=SplitOptions.of(procedure.get("split")),
        hyperparameters=dict(result.get("hyperparameters") or procedure.get("hyperparameters") or {}),
        train_fraction=e.train_fraction,
        n_train=result.get("n_train"),
        threshold=(result.get("validation") or {}).get("threshold"),
        threshold_rule="maximises F1 on the validation split",
        test=metrics,
        test_look=_look_json(look) or ({"reason": (e.test_result or {}).get("reason")} if metrics else None),
        findings=facts["findings"],
        recorded_validation=dict(result.get("validation") or {}),
    )


def model_names(report: dict[str, Any] | None) -> list[str]:
    return [m.name for m in as_report(report or {}).models if m.name and m.status == "ok"]


def assessment_source(
    engine: Engine, artifacts: ArtifactStore, session: Session, a: Assessment, name: str | None
) -> ExportSource:
    """One of a succeeded assessment's models: `name` is its label or family, case-insensitive; None means
    the model the recommendation ships."""
    if a.status.value != "succeeded" or not a.report:
        raise NoFittedModel(f"Assessment {a.id} is {a.status.value}; only a succeeded one has fitted models.")
    report = as_report(a.report)
    names = model_names(a.report)
    if name is None:
        ship = report.recommendation.ship if report.recommendation else None
        if ship is None or not ship.label:
            raise NoFittedModel(f"Name the model to export (--model): one of {', '.join(names)}.")
        name = ship.label
    wanted = name.strip().lower().replace("_", " ")
    matches = [
        n
        for n in names
        if wanted
        in (n.lower(), next((f for f, lab in FAMILY_LABELS.items() if lab == n), "").replace("_", " "))
    ]
    if not matches:
        raise NotFound(f"Assessment {a.id} has no fitted model {name!r}; it has {', '.join(names)}.")
    label = matches[0]
    store = PostgresStore(engine, artifacts, a.id, who="export")
    fitted = [*(getattr(store.load_stage("baselines"), "models", None) or [])]
    deep = store.load_stage("deep_model")
    for candidate in getattr(deep, "candidates", None) or ():  # several deep families (when they exist)
        if getattr(candidate, "model", None) is not None:
            fitted.append(candidate.model)
    if getattr(deep, "model", None) is not None:
        fitted.append(deep.model)
    model = next((m for m in fitted if m.name == label), None)
    if model is None:
        raise NoFittedModel(f"The fitted {label} of assessment {a.id} is no longer stored.")
    entry = next(m for m in report.models if m.name == label)
    facts = _facts(session, a.project_id, a.dataset_id, a.split_id)
    config = a.config or {}
    test = entry.test.model_dump(mode="json", exclude_none=True) if entry.test else None
    look = _look(session, facts["split_row"], assessment_id=a.id) if test else None
    split = report.split
    source = ExportSource(
        kind="assessment",
        source_id=str(a.id),
        name=label,
        family=next((f for f, lab in FAMILY_LABELS.items() if lab == label), model.family),
        model=model,
        project=facts["project"],
        dataset=facts["dataset"],
        split={
            **facts["split"],
            **({"method": split.method, "sizes": split.sizes, "seed": split.seed} if split else {}),
        },
        split_seed=int(config.get("seed", 0)),
        keep_columns=tuple(config.get("keep_columns") or ()),
        split_options=SplitOptions.of(
            {
                "method": config.get("split"),
                "time_column": config.get("time_column"),
                "group_column": config.get("group_column"),
            }
        ),
        hyperparameters={k: v for k, v in model.params.items() if isinstance(v, int | float | str | bool)},
        threshold=entry.threshold.threshold if entry.threshold else None,
        threshold_rule=entry.threshold.rule if entry.threshold else None,
        test=test,
        test_look=_look_json(look),
        findings=[f.message for f in report.checks if f.message and f.severity in ("warning", "error")]
        or facts["findings"],
    )
    source.recorded_validation = dict(entry.validation or {})
    noise = (a.report or {}).get("label_noise") or {}  # the label-noise section, in reports that have one
    if noise.get("sentence"):
        source.findings.append(f"Label noise: {noise['sentence']}")
    return source
