"""The procedure of an experiment as the service knows it before anything runs, and its fingerprint.

Everything that decides the result is in it: the data (its sha256), the split (seed), the columns the
user kept against the checks' advice, the model family with every hyperparameter (defaults filled in), the
training fraction and seed, and the package versions. The columns the checks leave out and the split's
row assignment follow from these: they are filled in when the job prepares the data, not hashed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.models import Dataset
from workers.experiments.procedure import Procedure, fingerprint
from workers.split import DEFAULT_SEED, SplitOptions


@dataclass(frozen=True)
class ExperimentRequest:
    """What a person (or a grid, or an assessment) asks to run."""

    model_family: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    seed: int = DEFAULT_SEED  # the training seed
    split_seed: int = DEFAULT_SEED
    train_fraction: float = 1.0
    keep_columns: tuple[str, ...] = ()
    split: dict[str, Any] | None = None  # `SplitOptions.to_json()`; None: the default split
    device: str = "auto"
    hypothesis: str = ""
    tags: tuple[str, ...] = ()
    repeat: bool = False
    repeat_reason: str | None = None


def split_of_config(config: dict[str, Any]) -> dict[str, Any] | None:
    """An assessment's split options (its stored config) as an experiment request takes them: its models and
    learning-curve points are experiments on the very split it made. None for the default."""
    options = SplitOptions(
        method=config.get("split") or "auto",
        time_column=config.get("time_column"),
        group_column=config.get("group_column"),
    )
    return None if options.is_default else options.to_json()


def make_procedure(dataset: Dataset, request: ExperimentRequest) -> Procedure:
    """Normalised on creation: unknown or out-of-range hyperparameters raise InvalidOption here."""
    return Procedure(
        dataset_sha256=dataset.sha256,
        target=dataset.target,
        positive_label=dataset.positive_label,
        split_seed=request.split_seed,
        keep_columns=tuple(request.keep_columns),
        split=request.split,
        family=request.model_family,
        hyperparameters=dict(request.hyperparameters),
        train_fraction=request.train_fraction,
        seed=request.seed,
    )


def procedure_and_fingerprint(dataset: Dataset, request: ExperimentRequest) -> tuple[dict[str, Any], str]:
    procedure = make_procedure(dataset, request)
    return procedure.to_json(), fingerprint(procedure)
