"""Catching a re-run: the same fingerprint (the same canonical procedure on the same data) in a team."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session

from service.models import Experiment, Project, RunStatus
from workers.errors import ReadinessError

# Queued and running count too: submitting the same thing twice in a row is the commonest repeat.
STANDING = (RunStatus.queued, RunStatus.running, RunStatus.succeeded)


def lock_fingerprint(session: Session, fingerprint: str) -> None:
    """Serialise submissions of one fingerprint until the transaction ends, so two identical requests
    racing each other cannot both pass the duplicate check."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:fp, 0))"), {"fp": fingerprint})


def earlier_run(session: Session, team_id: uuid.UUID, fingerprint: str) -> Experiment | None:
    """The first standing experiment of the team with this fingerprint (failed runs do not count)."""
    return session.scalar(
        select(Experiment)
        .join(Project, Experiment.project_id == Project.id)
        .where(
            Project.team_id == team_id,
            Experiment.fingerprint == fingerprint,
            Experiment.status.in_(STANDING),
        )
        .order_by(Experiment.created_at, Experiment.id)
        .limit(1)
    )


def runs_of(session: Session, fingerprints: list[str], team_id: uuid.UUID) -> dict[str, Experiment]:
    """For each fingerprint that already stands in the team, its earliest experiment."""
    if not fingerprints:
        return {}
    first = (
        select(Experiment.fingerprint, func.min(Experiment.created_at).label("first_at"))
        .join(Project, Experiment.project_id == Project.id)
        .where(
            Project.team_id == team_id,
            Experiment.fingerprint.in_(fingerprints),
            Experiment.status.in_(STANDING),
        )
        .group_by(Experiment.fingerprint)
        .subquery()
    )
    rows = session.scalars(
        select(Experiment)
        .join(first, (Experiment.fingerprint == first.c.fingerprint) & (Experiment.created_at == first.c.first_at))
        .where(Experiment.status.in_(STANDING))
    ).all()
    return {row.fingerprint: row for row in rows}


def result_line(experiment: Experiment) -> str:
    """How an earlier run is pointed at: its id, state and headline number."""
    auc = ((experiment.result or {}).get("validation") or {}).get("roc_auc")
    state = f"validation ROC-AUC {auc:.3f}" if isinstance(auc, float) else experiment.status.value
    return f"experiment {experiment.id} ({state}, {experiment.created_at:%Y-%m-%d %H:%M} UTC)"


class DuplicateExperiment(ReadinessError):
    """This experiment already ran on the same data with the same procedure."""

    code = "duplicate_experiment"
    http_status = 409

    def __init__(self, earlier: Experiment) -> None:
        super().__init__(
            f"The same experiment already ran on the same data with the same procedure: {result_line(earlier)}. "
            "Read its result instead, or resubmit with repeat: true and a repeat_reason "
            "(e.g. a seed-variance study) to run it again on purpose."
        )
        self.earlier_id = earlier.id
        self.extra: dict[str, Any] = {
            "experiment": {
                "id": str(earlier.id),
                "status": earlier.status.value,
                "result": earlier.result,
                "created_at": earlier.created_at.isoformat(),
            }
        }
