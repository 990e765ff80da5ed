"""What an assessment is asked to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workers.data.loading import DEFAULT_MAX_FILE_BYTES
from workers.split import DEFAULT_SEED, SplitOptions

DEFAULT_TEST_BUDGET = 3
DEFAULT_RESAMPLES = 1000


@dataclass(frozen=True)
class AssessmentConfig:
    target: str
    positive: str | None = None
    seed: int = DEFAULT_SEED
    keep_columns: tuple[str, ...] = ()
    split: str = "auto"  # auto | random | time | group (`SplitOptions`)
    time_column: str | None = None
    group_column: str | None = None
    device: str = "auto"  # auto | cpu | cuda, for the deep model and XGBoost
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    n_resamples: int = DEFAULT_RESAMPLES
    test_budget: int = DEFAULT_TEST_BUDGET
    run_deep: bool = True
    deep_params: dict[str, Any] = field(default_factory=dict)  # ResNetMLPClassifier keyword overrides
    learning_curve: bool = True  # train the best baseline and the deep model on shares of the training split
    n_jobs: int = -1

    @property
    def split_options(self) -> SplitOptions:
        return SplitOptions(method=self.split, time_column=self.time_column, group_column=self.group_column)
