"""What the stages of one assessment share while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from workers.assessment.config import AssessmentConfig
from workers.assessment.outputs import (
    BaselinesOutput,
    DeepOutput,
    LearningCurveOutput,
    TestLookOutput,
    ValidationOutput,
    timing_of,
)
from workers.assessment.store import AssessmentStore
from workers.data.dataset import Dataset
from workers.features import model_frame
from workers.preparation import Prepared, PrepareData, prepare
from workers.rubric.questionnaire import Answers
from workers.split import TEST, TRAIN, VALIDATION, Split

Output = TypeVar("Output")


@dataclass
class AssessmentContext:
    dataset: Dataset
    config: AssessmentConfig
    answers: Answers
    store: AssessmentStore
    key: str  # identifies this assessment; keys its test look so a retry cannot spend the budget twice
    outputs: dict[str, Any] = field(default_factory=dict)  # by stage name; read through the properties below
    load_seconds: float = 0.0
    prepare_data: PrepareData = prepare  # the data stages' profile → split → checks (the service's is stored)

    @cached_property
    def prepared(self) -> Prepared:
        """The dataset prepared once for this run's seed and kept columns; the data stages share it."""
        options = self.config.split_options
        # Default options are not passed: a stand-in written before there were options still fits.
        extra = {} if options.is_default else {"split_options": options}
        return self.prepare_data(
            self.dataset, seed=self.config.seed, keep_columns=self.config.keep_columns, **extra
        )

    @property
    def split(self) -> Split:
        return self.outputs["split"]["split"]

    @property
    def used_columns(self) -> list[str]:
        return self.outputs["checks"]["used_columns"]

    @cached_property
    def frame(self) -> pd.DataFrame:
        return model_frame(self.dataset, self.used_columns)

    def part(self, which: int) -> tuple[pd.DataFrame, np.ndarray]:
        rows = self.split.indices(which)
        return self.frame.iloc[rows], self.dataset.y[rows]

    @property
    def train(self) -> tuple[pd.DataFrame, np.ndarray]:
        return self.part(TRAIN)

    @property
    def validation(self) -> tuple[pd.DataFrame, np.ndarray]:
        return self.part(VALIDATION)

    @property
    def test(self) -> tuple[pd.DataFrame, np.ndarray]:
        return self.part(TEST)

    @property
    def baselines(self) -> BaselinesOutput:
        return self._output("baselines", BaselinesOutput)

    @property
    def deep(self) -> DeepOutput:
        return self._output("deep_model", DeepOutput)

    @property
    def validation_result(self) -> ValidationOutput:
        """What the validation stage decided (`validation` is the validation split itself)."""
        return self._output("validation", ValidationOutput)

    @property
    def learning_curve(self) -> LearningCurveOutput:
        return self._output("learning_curve", LearningCurveOutput)

    @property
    def test_look(self) -> TestLookOutput:
        return self._output("test_look", TestLookOutput)

    def timings(self) -> dict[str, float | None]:
        """Wall-clock seconds of every stage finished so far, in the order they ran."""
        return {stage: timing_of(output)[0] for stage, output in self.outputs.items()}

    def cpu_timings(self) -> dict[str, float | None]:
        """CPU seconds of every stage finished so far, in the order they ran."""
        return {stage: timing_of(output)[1] for stage, output in self.outputs.items()}

    def _output(self, stage: str, kind: type[Output]) -> Output:
        output = self.outputs[stage]
        if not isinstance(output, kind):
            # A bug, not a user's mistake: the runner upgrades old saved forms before a stage reads them.
            raise TypeError(f"the {stage} stage's output is a {type(output).__name__}, not a {kind.__name__}")
        return output
