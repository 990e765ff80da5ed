"""Hyperparameter grids: expand, reuse the points that already ran, queue the rest (one job each), rank on
validation only — beside a Thresholdout-protected score, because a grid asks the validation split many
questions — and promote the best point to a budgeted look at the test split."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import procrastinate
from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from service.database.engine import session_scope
from service.journal.duplicates import lock_fingerprint, runs_of
from service.journal.procedures import ExperimentRequest, procedure_and_fingerprint
from service.journal.submit import check_request, defer_experiments, new_experiment
from service.models import Dataset, Experiment, ExperimentKind, Grid, GridPoint, Project, RunStatus
from workers.evaluation.thresholdout import (
    DEFAULT_BUDGET,
    DEFAULT_SIGMA,
    DEFAULT_THRESHOLD,
    budget_spent_after,
    thresholdout_scores,
)
from workers.experiments.families import check_family
from workers.experiments.grid import default_grid, expand_grid
from workers.split import DEFAULT_SEED

RankBy = Literal["thresholdout", "validation"]
MAX_GRID_NAME_CHARS = 200  # the column's width


@dataclass(frozen=True)
class GridRequest:
    model_family: str
    grid: Mapping[str, Any] | None = None  # None: the family's default grid
    seed: int = DEFAULT_SEED
    split_seed: int = DEFAULT_SEED
    keep_columns: tuple[str, ...] = ()
    device: str = "auto"
    name: str = ""
    hypothesis: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def spec(self) -> dict[str, Any]:
        family = check_family(self.model_family)
        return dict(self.grid) if self.grid is not None else default_grid(family)


def plan_grid(dataset: Dataset, request: GridRequest) -> list[ExperimentRequest]:
    """The grid's points as experiment requests, validated; nothing is written (InvalidOption on a bad spec)."""
    family = check_family(request.model_family)
    points = [
        ExperimentRequest(
            model_family=family,
            hyperparameters=point,
            seed=request.seed,
            split_seed=request.split_seed,
            keep_columns=request.keep_columns,
            device=request.device,
            hypothesis=request.hypothesis,
            tags=(*request.tags, "grid"),
        )
        for point in expand_grid(family, request.spec())
    ]
    for point in points:
        check_request(point)
        procedure_and_fingerprint(dataset, point)  # every point's procedure is valid before any is written
    return points


def add_grid(
    session: Session,
    *,
    project: Project,
    dataset: Dataset,
    request: GridRequest,
    who: str,
    on_new: Callable[[Experiment], None] | None = None,
) -> tuple[Grid, list[Experiment]]:
    """Add the grid and its points to the session: every point whose fingerprint already ran in the team
    is reused, the others are new queued experiments (`on_new` is called with each, e.g. to queue its job
    in the same transaction). Returns the grid and the new experiments."""
    points = plan_grid(dataset, request)
    fingerprints = [procedure_and_fingerprint(dataset, point)[1] for point in points]
    for fp in sorted(set(fingerprints)):  # sorted: two grids locking overlapping points cannot deadlock
        lock_fingerprint(session, fp)
    earlier = runs_of(session, fingerprints, project.team_id)
    grid = Grid(
        project_id=project.id,
        dataset_id=dataset.id,
        split_seed=request.split_seed,
        name=request.name[:MAX_GRID_NAME_CHARS],
        model_family=points[0].model_family,
        spec=request.spec(),
        points=len(points),
        reused=sum(fp in earlier for fp in fingerprints),
        hypothesis=request.hypothesis,
        created_by=who,
    )
    session.add(grid)
    session.flush()
    new: list[Experiment] = []
    for position, (point, fp) in enumerate(zip(points, fingerprints, strict=True)):
        experiment = earlier.get(fp)
        if experiment is None:
            experiment = new_experiment(
                session,
                project=project,
                dataset=dataset,
                request=point,
                who=who,
                kind=ExperimentKind.grid,
                grid_id=grid.id,
            )
            new.append(experiment)
            if on_new is not None:
                on_new(experiment)
        session.add(
            GridPoint(grid_id=grid.id, position=position, experiment_id=experiment.id, reused=fp in earlier)
        )
    session.flush()
    return grid, new


def submit_grid(
    engine: Engine,
    job_app: procrastinate.App,
    *,
    project: Project,
    dataset: Dataset,
    request: GridRequest,
    who: str,
) -> Grid:
    """Record the grid and queue one job per new point. All records commit together; if queuing fails
    they are removed again."""
    with session_scope(engine) as session:
        grid, new = add_grid(session, project=project, dataset=dataset, request=request, who=who)
        session.expunge(grid)
    try:
        defer_experiments(engine, job_app, new)
    except Exception:
        with session_scope(engine) as session:
            session.execute(delete(GridPoint).where(GridPoint.grid_id == grid.id))
            session.execute(delete(Grid).where(Grid.id == grid.id))
        raise
    return grid


def grid_points(session: Session, grid_id: uuid.UUID) -> list[tuple[GridPoint, Experiment]]:
    return list(
        session.execute(
            select(GridPoint, Experiment)
            .join(Experiment, GridPoint.experiment_id == Experiment.id)
            .where(GridPoint.grid_id == grid_id)
            .order_by(GridPoint.position)
        ).all()
    )


def grid_progress(session: Session, grid: Grid) -> dict[str, int]:
    states = Counter(experiment.status.value for _, experiment in grid_points(session, grid.id))
    return {
        "points": grid.points,
        "reused": grid.reused,
        **{status.value: states.get(status.value, 0) for status in RunStatus},
    }


def _varying(spec: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The hyperparameters the grid varies (the rest are the same in every row)."""
    return {name: params.get(name) for name in spec}


def leaderboard(session: Session, grid: Grid, *, rank_by: RankBy = "thresholdout") -> dict[str, Any]:
    """Every point with its plain validation ROC-AUC and its Thresholdout score, ranked by `rank_by`.

    The Thresholdout queries run in grid order over the points that have finished, with a seed taken from
    the grid's id, so the same grid shows the same scores every time it is read."""
    rows: list[dict[str, Any]] = []
    for point, experiment in grid_points(session, grid.id):
        result = experiment.result or {}
        rows.append(
            {
                "position": point.position,
                "experiment_id": str(experiment.id),
                "reused": point.reused,
                "status": experiment.status.value,
                "hyperparameters": _varying(
                    grid.spec, (experiment.procedure or {}).get("hyperparameters", {})
                ),
                "validation_roc_auc": (result.get("validation") or {}).get("roc_auc"),
                "train_roc_auc": result.get("train_roc_auc"),
                "thresholdout_roc_auc": None,
                "thresholdout_used_holdout": None,
                "fit_seconds": result.get("fit_seconds"),
                "error": experiment.error_detail,
            }
        )
    scored_rows = [r for r in rows if r["validation_roc_auc"] is not None and r["train_roc_auc"] is not None]
    scored = thresholdout_scores(
        [(r["train_roc_auc"], r["validation_roc_auc"]) for r in scored_rows],
        seed=uuid.UUID(str(grid.id)).int % (2**32),
    )
    for row, answer in zip(scored_rows, scored, strict=True):
        row["thresholdout_roc_auc"] = answer.value
        row["thresholdout_used_holdout"] = answer.used_holdout
    spent_after = budget_spent_after(scored)
    key = "thresholdout_roc_auc" if rank_by == "thresholdout" else "validation_roc_auc"
    ranked = sorted(rows, key=lambda r: (r[key] is None, -(r[key] or 0.0), r["position"]))
    for rank, row in enumerate(r for r in ranked if r[key] is not None):
        row["rank"] = rank + 1
    shown = "Thresholdout-protected validation ROC-AUC" if rank_by == "thresholdout" else "validation ROC-AUC"
    return {
        "grid_id": str(grid.id),
        "ranked_by": rank_by,
        "explanation": (
            f"Ranked by {shown}, on the validation split only (the test split is not touched until a point is "
            "promoted). A grid asks the validation split one question per point, so the best plain score "
            "flatters the winner; Thresholdout (Dwork et al. 2015) answers with the training score unless "
            f"training and validation disagree by more than a noisy {DEFAULT_THRESHOLD} "
            f"(noise scale {DEFAULT_SIGMA}, at most {DEFAULT_BUDGET} validation answers)."
        ),
        "thresholdout_budget_spent_after": None
        if spent_after is None
        else scored_rows[spent_after]["position"],
        "rows": ranked,
    }


def best_point(session: Session, grid: Grid, *, rank_by: RankBy = "thresholdout") -> uuid.UUID | None:
    board = leaderboard(session, grid, rank_by=rank_by)
    for row in board["rows"]:
        if row.get("rank") == 1:
            return uuid.UUID(row["experiment_id"])
    return None
