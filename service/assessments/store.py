"""The assessment store over Postgres and the artifact store: what makes a job resumable and the test
budget binding across every worker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import procrastinate
from sqlalchemy import Engine, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from service.artifacts import ArtifactStore, lock_artifact
from service.database.engine import session_scope
from service.jobs.lease import RenewLease, no_lease
from service.journal.fan_out import fan_out_points
from service.ledger.looks import record_split, spend_look
from service.models import Assessment, Split, StageOutput
from service.models.base import utcnow
from workers.assessment.outputs import upgrade
from workers.assessment.store import FanOutPoint
from workers.assessment.store import TestLook as Look
from workers.history import dataset_shape
from workers.report.model import ModelEntry, Report

HISTORY_DATASETS = 500  # past datasets (their newest succeeded assessment) the report's history compares
PROGRESS_WRITE_INTERVAL = 0.5  # seconds: epochs can be fast; clients poll, they need no more than this
STOP_CHECK_INTERVAL = 1.0  # seconds between reads of the cancel flag (it is checked at every batch)


class PostgresStore:
    """Persists one assessment's stages; implements `workers.assessment.store.AssessmentStore`."""

    def __init__(
        self,
        engine: Engine,
        artifacts: ArtifactStore,
        assessment_id: uuid.UUID,
        *,
        who: str,
        job_app: procrastinate.App | None = None,
        renew_lease: RenewLease | None = None,
    ) -> None:
        self.engine = engine
        # Called at every boundary of the run: proves the worker alive, raises when its job was taken.
        self.renew_lease: RenewLease = renew_lease or no_lease
        self.job_app = job_app  # to queue fan-out points; a store that only reads needs none
        self.artifacts = artifacts
        self.assessment_id = assessment_id
        self.who = who
        self._last_progress = 0.0
        self._last_stop_check = 0.0
        self._stop = False

    def load_stage(self, stage: str) -> Any | None:
        with session_scope(self.engine) as session:
            name = session.scalar(
                select(StageOutput.artifact).where(
                    StageOutput.assessment_id == self.assessment_id, StageOutput.stage == stage
                )
            )
        # An output saved by the code before the typed stage outputs is read as its record.
        return None if name is None else upgrade(stage, self.artifacts.get_object(name))

    def save_stage(self, stage: str, output: Any) -> None:
        self.renew_lease(force=True)  # a worker whose job was taken writes nothing more
        # The file goes first: if the process dies before the row commits, the stage simply runs again
        # and the orphaned file is the same content-addressed bytes it will write.
        name = self.artifacts.put_object(output)
        with session_scope(self.engine) as session:
            # The same bytes may be an old orphan the sweeper is about to delete: under the lock it honours,
            # make sure the file is there when the row that names it commits.
            lock_artifact(session, name)
            if not self.artifacts.path(name).exists():
                self.artifacts.put_object(output)
            session.execute(
                insert(StageOutput)
                .values(
                    id=uuid.uuid4(),
                    assessment_id=self.assessment_id,
                    stage=stage,
                    artifact=name,
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["assessment_id", "stage"])
            )
            if stage == "split":
                self._record_split(session, output["split"])

    def _record_split(self, session: Any, split: Any) -> None:
        assessment = session.get(Assessment, self.assessment_id)
        assessment.split_id = record_split(
            session,
            assessment.dataset_id,
            seed=split.seed,
            split_hash=split.split_id,
            sizes=split.sizes,
            split_key=getattr(split, "ledger_key", ""),  # a split pickled before there was a choice: random
        ).id

    def progress(self, stage: str, fraction: float, detail: dict[str, Any] | None = None) -> None:
        self.renew_lease()
        now = time.monotonic()
        if 0.0 < fraction < 1.0 and now - self._last_progress < PROGRESS_WRITE_INTERVAL:
            return
        self._last_progress = now
        with session_scope(self.engine) as session:
            session.execute(
                update(Assessment)
                .where(col(Assessment.id) == self.assessment_id)
                .values(stage=stage, progress=fraction, progress_detail=detail or {})
            )

    def should_stop(self) -> bool:
        self.renew_lease()
        now = time.monotonic()
        if not self._stop and now - self._last_stop_check >= STOP_CHECK_INTERVAL:
            self._last_stop_check = now
            with session_scope(self.engine) as session:
                self._stop = bool(
                    session.scalar(
                        select(col(Assessment.cancel_requested)).where(
                            col(Assessment.id) == self.assessment_id
                        )
                    )
                )
        return self._stop

    def record_test_look(self, look: Look, limit: int) -> dict[str, int]:
        """One ledger row per key, counted under a row lock on the split so concurrent looks cannot
        overspend; the split's own budget (not the caller's `limit`) is the one that binds."""
        self.renew_lease(force=True)
        with session_scope(self.engine) as session:
            assessment = session.get(Assessment, self.assessment_id)
            # The split stage recorded the split (`_record_split`) before any stage looks at the test split.
            split = session.get(Split, assessment.split_id) if assessment and assessment.split_id else None
            assert split is not None, "a test look comes after the split stage recorded its split"
            return spend_look(  # locks the split's row itself, so looks that race cannot overspend
                session,
                split,
                key=look.key,
                who=self.who,
                assessment_id=self.assessment_id,
                models=look.models,
                metrics=look.metrics,
                reason=look.reason,
            )

    def fan_out(
        self, stage: str, points: Sequence[FanOutPoint], run_inline: Callable[[FanOutPoint], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Each point is an experiment with a job of its own (so several workers share them); raises
        PointsPending until all have ended. `run_inline` is not used: the points run elsewhere."""
        if self.job_app is None:
            raise RuntimeError("this PostgresStore was made without a job app; it cannot queue points")
        self.renew_lease(force=True)
        return fan_out_points(self.engine, self.job_app, self.assessment_id, stage, points, self.who)

    def history(self) -> list[dict[str, Any]]:
        """The latest succeeded assessment of every other dataset of the team, newest first. Only the parts
        of each report the comparison needs are read (a report's curves can weigh hundreds of kilobytes)."""
        with session_scope(self.engine) as session:
            rows = session.execute(HISTORY_QUERY, {"me": self.assessment_id, "limit": HISTORY_DATASETS}).all()
        return [entry for row in rows if (entry := history_entry(*row)) is not None]


# DISTINCT ON keeps each dataset's newest assessment; models are cut down to their names and validation.
HISTORY_QUERY = text(
    """
    SELECT filename, dataset, comparison, models FROM (
        SELECT DISTINCT ON (d.sha256)
               d.filename, a.finished_at,
               a.report -> 'dataset' AS dataset,
               a.report -> 'comparison' AS comparison,
               (SELECT jsonb_agg(jsonb_build_object('name', m -> 'name', 'validation', m -> 'validation'))
                  FROM jsonb_array_elements(a.report -> 'models') AS m) AS models
          FROM assessment a
          JOIN project p ON p.id = a.project_id
          JOIN dataset d ON d.id = a.dataset_id
          JOIN assessment me ON me.id = :me
          JOIN project my_project ON my_project.id = me.project_id
          JOIN dataset my_dataset ON my_dataset.id = me.dataset_id
         WHERE p.team_id = my_project.team_id
           AND a.status = 'succeeded'
           AND d.sha256 <> my_dataset.sha256
           AND jsonb_typeof(a.report -> 'models') = 'array'
         ORDER BY d.sha256, a.finished_at DESC
    ) latest
    ORDER BY finished_at DESC
    LIMIT :limit
    """
)


def history_entry(
    filename: str, dataset: dict[str, Any] | None, comparison: dict[str, Any] | None, models: list[Any] | None
) -> dict[str, Any] | None:
    """What the journal's history compares about a past assessment, from the parts of its report."""
    # The query hands back parts of a report (its models cut down to name and validation): read as one.
    parts = Report.model_validate(
        {
            "dataset": dataset or {},
            "comparison": comparison or {},
            "models": [m for m in models or [] if isinstance(m, dict)],
        }
    )
    by_name = {m.name: m for m in parts.models}
    best = parts.comparison.best_baseline if parts.comparison else None
    deep_name = parts.comparison.deep if parts.comparison else None
    best_auc = _validation_auc(by_name.get(best))
    shape = dataset_shape(parts.dataset or {})
    if best is None or best_auc is None or not shape.n_features:
        return None
    return {
        "dataset_name": filename,
        **shape.to_dict(),
        "best_baseline": best,
        "best_baseline_roc_auc": best_auc,
        "deep_roc_auc": _validation_auc(by_name.get(deep_name)) if deep_name else None,
    }


def _validation_auc(model: ModelEntry | None) -> Any:
    return (model.validation or {}).get("roc_auc") if model else None
