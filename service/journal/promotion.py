"""Promoting an experiment to a look at the test split: the frozen model is evaluated once, and the look
is a ledger row spent from the split's budget in the same transaction as the result it produced."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.datasets.parsed import StoredDataset, load_stored
from service.datasets.prepared import stored_preparation
from service.ledger.budget import check_look_left
from service.ledger.looks import spend_look
from service.models import Dataset, Experiment, Grid, RunStatus, Split
from workers.errors import InvalidOption
from workers.experiments.data import experiment_data
from workers.experiments.families import FAMILY_LABELS
from workers.experiments.on_test_split import evaluate_on_test
from workers.experiments.procedure import Procedure


class NotPromotable(InvalidOption):
    """Only a finished, successful experiment with a stored model can be looked at on test."""

    code = "not_promotable"
    http_status = 409


def look_at_test(
    engine: Engine,
    artifacts: ArtifactStore,
    experiment_id: uuid.UUID,
    *,
    reason: str,
    who: str,
    grid_id: uuid.UUID | None = None,
) -> Experiment:
    """Spend one look of the split's budget on this experiment's model (idempotent: a second promotion of
    the same experiment returns the first look's result and spends nothing)."""
    if not reason.strip():
        raise InvalidOption("A look at the test split needs a reason; it is recorded in the ledger.")
    with session_scope(engine) as session:
        experiment = session.get(Experiment, experiment_id)
        assert experiment is not None  # the door found it in the caller's team; experiments are never deleted
        if experiment.test_result is not None:
            session.expunge(experiment)
            return experiment
        artifact = (experiment.result or {}).get("model_artifact")
        if experiment.status != RunStatus.succeeded or not artifact:
            raise NotPromotable(
                f"Experiment {experiment.id} is {experiment.status.value}; only a succeeded experiment with a "
                "stored model can be looked at on the test split."
            )
        # Refused before the model is loaded and evaluated; the look itself is checked again under a lock.
        check_look_left(session, session.get(Split, experiment.split_id) if experiment.split_id else None)
        dataset = session.get(Dataset, experiment.dataset_id)
        procedure = Procedure.from_json(experiment.procedure)
        threshold = ((experiment.result or {}).get("validation") or {}).get("threshold")
        stored = StoredDataset.of(dataset)
    # The data as intake parsed it and the split as first prepared: the look is at the rows the model never saw.
    data = experiment_data(
        load_stored(artifacts, stored),
        seed=procedure.split_seed,
        keep_columns=procedure.keep_columns,
        prepare_data=stored_preparation(artifacts),
        split_options=procedure.split_options,
    )
    metrics = evaluate_on_test(data, artifacts.get_object(artifact), threshold=threshold, seed=procedure.seed)
    with session_scope(engine) as session:
        experiment = session.get(Experiment, experiment_id)
        assert experiment is not None
        budget = spend_look(
            session,
            session.get(Split, experiment.split_id),
            key=f"experiment:{experiment.id}",
            who=who,
            reason=reason.strip(),
            models=[FAMILY_LABELS.get(experiment.model_family, experiment.model_family)],
            metrics={"experiment_id": str(experiment.id), **metrics},
        )
        experiment.test_result = {"metrics": metrics, "budget": budget, "reason": reason.strip(), "who": who}
        if grid_id is not None:
            grid = session.get(Grid, grid_id)
            grid.promoted_experiment_id = experiment.id
        session.flush()
        session.expunge(experiment)
    return experiment
