"""Hyperparameter grids: expand, reuse the points that already ran, queue the rest (one job each), rank on
validation only — through the Ladder (Blum & Hardt 2015), because a grid asks the validation split many
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
from service.datasets.split_options import split_options_for
from service.journal.duplicates import lock_fingerprint, runs_of
from service.journal.procedures import ExperimentRequest, procedure_and_fingerprint
from service.journal.submit import check_family_fits_dataset, check_request, defer_experiments, new_experiment
from service.models import Dataset, Experiment, ExperimentKind, Grid, GridPoint, Project, RunStatus
from workers.evaluation.ladder import DEFAULT_STEP, ladder, round_to_step
from workers.experiments.families import check_family
from workers.experiments.grid import complexity_ranks, default_grid, expand_grid
from workers.split import DEFAULT_SEED

RankBy = Literal["ladder", "validation"]
MAX_GRID_NAME_CHARS = 200  # the column's width


@dataclass(frozen=True)
class GridRequest:
    model_family: str
    grid: Mapping[str, Any] | None = None  # None: the family's default grid
    seed: int = DEFAULT_SEED
    split_seed: int = DEFAULT_SEED
    keep_columns: tuple[str, ...] = ()
    split: Mapping[str, Any] | None = None  # {"split", "time_column", "group_column"} as a request gives them
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
    check_family_fits_dataset(dataset, family)
    options = split_options_for(dataset, request.split or {})  # refused here, before anything is written
    points = [
        ExperimentRequest(
            model_family=family,
            hyperparameters=point,
            seed=request.seed,
            split_seed=request.split_seed,
            keep_columns=request.keep_columns,
            split=None if options.is_default else options.to_json(),
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


def leaderboard(session: Session, grid: Grid, *, rank_by: RankBy = "ladder") -> dict[str, Any]:
    """Every point with its validation ROC-AUC, ranked on validation only, and the promoted point's test look.

    `rank_by="ladder"` (the default): the points go through the Ladder (Blum & Hardt 2015; see
    `workers.evaluation.ladder`) simplest first (`workers.experiments.grid.complexity_ranks`), then in grid
    order; the point holding the Ladder's best at the end is ranked 1. A more complex point takes the lead
    only by beating the simpler leader by a step, so neither a lucky draw nor an overfitted point wins on
    noise. The other points follow by validation ROC-AUC rounded to the step, ties to the simpler, then the
    earlier point. `rank_by="validation"`: the plain validation ROC-AUC, ties the same way.

    Every point with a validation score gets a rank, a reused one too. Nothing is drawn at random, so the
    same grid shows the same leaderboard every time it is read.
    """
    pairs = grid_points(session, grid.id)
    complete = [(experiment.procedure or {}).get("hyperparameters", {}) for _, experiment in pairs]
    complexity = complexity_ranks(grid.model_family, complete)
    rows: list[dict[str, Any]] = []
    for (point, experiment), params, simpler in zip(pairs, complete, complexity, strict=True):
        result = experiment.result or {}
        rows.append(
            {
                "position": point.position,
                "experiment_id": str(experiment.id),
                "reused": point.reused,
                "status": experiment.status.value,
                "hyperparameters": _varying(grid.spec, params),
                "complexity": simpler,
                "validation_roc_auc": _shown((result.get("validation") or {}).get("roc_auc")),
                "train_roc_auc": _shown(result.get("train_roc_auc")),
                "ladder_roc_auc": None,
                "ladder_new_best": None,
                "fit_seconds": result.get("fit_seconds"),
                "error": experiment.error_detail,
                "promoted": grid.promoted_experiment_id is not None
                and experiment.id == grid.promoted_experiment_id,
            }
        )
    ranked = rank_points(rows, rank_by=rank_by)
    return {
        "grid_id": str(grid.id),
        "ranked_by": rank_by,
        "step": DEFAULT_STEP,
        "explanation": _explanation(rank_by),
        "rows": ranked,
        "promoted": _promoted(grid, pairs, rows),
    }


def rank_points(
    rows: list[dict[str, Any]], *, rank_by: RankBy = "ladder", step: float = DEFAULT_STEP
) -> list[dict[str, Any]]:
    """Rank leaderboard rows (`validation_roc_auc`, `complexity`, `position` each) in place and return them
    in rank order, the unscored ones last in grid order without a rank.

    The Ladder's rows get `ladder_new_best` and `ladder_roc_auc` (the new best, rounded to `step`, where
    the row took the lead). Every scored row gets a rank, reused and tied ones too; ties go to the simpler
    point (lower `complexity`), then to the earlier one (lower `position`) — the order the Ladder visits.
    """
    scored = sorted(
        (r for r in rows if r["validation_roc_auc"] is not None),
        key=lambda r: (r["complexity"], r["position"]),
    )
    answers = ladder([r["validation_roc_auc"] for r in scored], step=step)
    for row, answer in zip(scored, answers, strict=True):
        row["ladder_new_best"] = answer.new_best
        row["ladder_roc_auc"] = answer.score if answer.new_best else None
    if rank_by == "ladder":
        leader = scored[answers[-1].leader] if answers else None
        rest = sorted(
            (r for r in scored if r is not leader),
            key=lambda r: (-round_to_step(r["validation_roc_auc"], step), r["complexity"], r["position"]),
        )
        order = ([leader] if leader is not None else []) + rest
    else:
        order = sorted(scored, key=lambda r: (-r["validation_roc_auc"], r["complexity"], r["position"]))
    for rank, row in enumerate(order, start=1):
        row["rank"] = rank
    unranked = sorted((r for r in rows if r["validation_roc_auc"] is None), key=lambda r: r["position"])
    for row in unranked:
        row["rank"] = None
    return order + unranked


def _explanation(rank_by: RankBy) -> str:
    common = (
        "Ranked on the validation split only (the test split is not touched until a point is promoted). "
        "A grid asks the validation split one question per point, so the best plain score flatters the "
        "winner. "
    )
    if rank_by == "ladder":
        return common + (
            "Ranked by the Ladder (Blum & Hardt 2015): points are visited simplest first, and a point takes "
            f"the lead only when its validation ROC-AUC beats the leader's by {DEFAULT_STEP} or more, so an "
            "overfitted or lucky point cannot win on noise; the Ladder column shows each new best, rounded "
            f"to {DEFAULT_STEP}. The other points follow by validation ROC-AUC to {DEFAULT_STEP}, ties to "
            "the simpler, then the earlier point."
        )
    return common + "Ranked by plain validation ROC-AUC; ties go to the simpler, then the earlier point."


def _promoted(
    grid: Grid, pairs: list[tuple[GridPoint, Experiment]], rows: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The point this grid promoted to a test look, and what the look found (None before a promotion)."""
    for (_, experiment), row in zip(pairs, rows, strict=True):
        if row["promoted"]:
            look = experiment.test_result or {}
            return {
                "experiment_id": row["experiment_id"],
                "position": row["position"],
                "rank": row.get("rank"),
                "hyperparameters": row["hyperparameters"],
                "validation_roc_auc": row["validation_roc_auc"],
                "test_metrics": look.get("metrics") or {},
                "budget": look.get("budget") or {},
                "reason": look.get("reason"),
                "who": look.get("who"),
            }
    return None


def _shown(value: Any) -> float | None:
    """A ROC-AUC as shown: within [0, 1] (a stored score is one already; this guards what is shown)."""
    return None if value is None else min(1.0, max(0.0, float(value)))


def best_point(session: Session, grid: Grid, *, rank_by: RankBy = "ladder") -> uuid.UUID | None:
    board = leaderboard(session, grid, rank_by=rank_by)
    for row in board["rows"]:
        if row.get("rank") == 1:
            return uuid.UUID(row["experiment_id"])
    return None
