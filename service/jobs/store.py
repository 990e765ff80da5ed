"""The assessment store over Postgres and the artifact store: what makes a job resumable and the test
budget binding across every worker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import procrastinate
from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.models import Assessment, AssessmentStatus, Dataset, Project, Split, StageOutput, TestLook
from service.models.base import utcnow
from workers.assessment.store import FanOutPoint
from workers.assessment.store import TestLook as Look
from workers.errors import DataError, TestBudgetExhausted

HISTORY_ASSESSMENTS = 500  # the newest succeeded assessments read for the report's history section
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
    ) -> None:
        self.engine = engine
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
        return None if name is None else self.artifacts.get_object(name)

    def save_stage(self, stage: str, output: Any) -> None:
        # The file goes first: if the process dies before the row commits, the stage simply runs again
        # and the orphaned file is the same content-addressed bytes it will write.
        name = self.artifacts.put_object(output)
        with session_scope(self.engine) as session:
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
            session, assessment.dataset_id, seed=split.seed, split_hash=split.split_id, sizes=split.sizes
        ).id

    def progress(self, stage: str, fraction: float, detail: dict[str, Any] | None = None) -> None:
        now = time.monotonic()
        if 0.0 < fraction < 1.0 and now - self._last_progress < PROGRESS_WRITE_INTERVAL:
            return
        self._last_progress = now
        with session_scope(self.engine) as session:
            session.execute(
                update(Assessment)
                .where(Assessment.id == self.assessment_id)
                .values(stage=stage, progress=fraction, progress_detail=detail or {})
            )

    def should_stop(self) -> bool:
        now = time.monotonic()
        if not self._stop and now - self._last_stop_check >= STOP_CHECK_INTERVAL:
            self._last_stop_check = now
            with session_scope(self.engine) as session:
                self._stop = bool(
                    session.scalar(
                        select(Assessment.cancel_requested).where(Assessment.id == self.assessment_id)
                    )
                )
        return self._stop

    def record_test_look(self, look: Look, limit: int) -> dict[str, int]:
        """One ledger row per key, counted under a row lock on the split so concurrent looks cannot
        overspend; the split's own budget (not the caller's `limit`) is the one that binds."""
        with session_scope(self.engine) as session:
            split_id = session.scalar(select(Assessment.split_id).where(Assessment.id == self.assessment_id))
            split = session.scalar(select(Split).where(Split.id == split_id).with_for_update())
            return spend_look(
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
        from service.experiments.fan_out import fan_out_points  # the experiments layer builds on this module

        if self.job_app is None:
            raise RuntimeError("this PostgresStore was made without a job app; it cannot queue points")
        return fan_out_points(self.engine, self.job_app, self.assessment_id, stage, points, self.who)

    def history(self) -> list[dict[str, Any]]:
        """The latest succeeded assessment of every other dataset of the team, newest first."""
        with session_scope(self.engine) as session:
            me = session.get(Assessment, self.assessment_id)
            team_id = session.scalar(select(Project.team_id).where(Project.id == me.project_id))
            own_sha = session.scalar(select(Dataset.sha256).where(Dataset.id == me.dataset_id))
            rows = session.execute(
                select(Assessment.report, Dataset.sha256, Dataset.filename)
                .join(Project, Assessment.project_id == Project.id)
                .join(Dataset, Assessment.dataset_id == Dataset.id)
                .where(
                    Project.team_id == team_id,
                    Assessment.status == AssessmentStatus.succeeded,
                    Dataset.sha256 != own_sha,
                )
                .order_by(Assessment.finished_at.desc())
                .limit(HISTORY_ASSESSMENTS)
            ).all()
        seen: set[str] = set()
        past = []
        for report, sha, filename in rows:
            if sha in seen or not report:
                continue
            seen.add(sha)
            entry = history_entry(report, filename)
            if entry is not None:
                past.append(entry)
        return past


def history_entry(report: dict[str, Any], filename: str) -> dict[str, Any] | None:
    """What the journal's history compares about a past assessment, from its report."""
    dataset = report.get("dataset") or {}
    used = list(dataset.get("used_columns") or [])
    kinds = {p.get("name"): p.get("kind") for p in dataset.get("column_profiles") or []}
    comparison = report.get("comparison") or {}
    models = {m.get("name"): m for m in report.get("models") or []}
    best = comparison.get("best_baseline")
    best_auc = ((models.get(best) or {}).get("validation") or {}).get("roc_auc")
    if best is None or best_auc is None or not used:
        return None
    deep = models.get(comparison.get("deep")) if comparison.get("deep") else None
    return {
        "dataset_name": filename,
        "rows": dataset.get("rows"),
        "n_features": len(used),
        "categorical_share": sum(kinds.get(c) == "categorical" for c in used) / len(used),
        "best_baseline": best,
        "best_baseline_roc_auc": best_auc,
        "deep_roc_auc": ((deep or {}).get("validation") or {}).get("roc_auc"),
    }


def record_split(
    session: Any, dataset_id: uuid.UUID, *, seed: int, split_hash: str, sizes: dict[str, Any]
) -> Split:
    """The split row of (dataset, seed): made once by whichever job first splits the data, never changed."""
    session.execute(
        insert(Split)
        .values(
            id=uuid.uuid4(),
            dataset_id=dataset_id,
            seed=seed,
            split_hash=split_hash,
            sizes=sizes,
            test_budget=select(Project.test_budget)
            .join(Dataset, Dataset.project_id == Project.id)
            .where(Dataset.id == dataset_id)
            .scalar_subquery(),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dataset_id", "seed"])
    )
    existing = session.scalar(select(Split).where(Split.dataset_id == dataset_id, Split.seed == seed))
    if existing.split_hash != split_hash:
        raise DataError(
            f"The split of this dataset with seed {seed} came out differently than when it was first "
            "made; splits are immutable. Was the stored dataset changed?"
        )
    return existing


def looks_used(session: Any, split_id: uuid.UUID) -> int:
    return int(
        session.scalar(select(func.count()).select_from(TestLook).where(TestLook.split_id == split_id))
    )


def spend_look(
    session: Any,
    split: Split,
    *,
    key: str,
    who: str,
    reason: str,
    assessment_id: uuid.UUID | None = None,
    models: list[str] | None = None,
    metrics: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Append a look to the ledger of a split the caller has locked (SELECT … FOR UPDATE)."""
    already = session.scalar(select(TestLook.id).where(TestLook.key == key))
    used = looks_used(session, split.id)
    if already is None:
        if used >= split.test_budget:
            raise TestBudgetExhausted(
                f"The test split of this dataset (seed {split.seed}) has been looked at {used} of "
                f"{split.test_budget} times. Compare models on validation instead, or raise the budget "
                "with a recorded reason (POST /api/v1/splits/{id}/budget)."
            )
        session.add(
            TestLook(
                split_id=split.id,
                key=key,
                who=who,
                assessment_id=assessment_id,
                models=models,
                metrics=metrics,
                reason=reason,
            )
        )
        session.flush()
        used += 1
    return {"limit": split.test_budget, "used": used}


def dataset_path(artifacts: ArtifactStore, dataset: Dataset) -> str:
    return str(artifacts.path(dataset.stored_as))
