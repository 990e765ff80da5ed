"""Runs an assessment's stages in order, persisting each as it ends.

A run handed a store that already holds finished stages (a job retried after a crash) resumes at the
first unfinished stage: finished work is neither redone nor counted twice. A stage that fans out work as
jobs of their own raises `PointsPending` until they have finished; it propagates unsaved, and the job that
resumes the assessment afterwards starts at that stage again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workers.assessment.config import AssessmentConfig
from workers.assessment.context import AssessmentContext
from workers.assessment.curve_stage import learning_curve_stage
from workers.assessment.data_stages import checks_stage, profile_stage, split_stage
from workers.assessment.evaluation_stages import test_look_stage, validation_stage
from workers.assessment.model_stages import baselines_stage, deep_stage
from workers.assessment.noise_stage import label_noise_stage
from workers.assessment.outputs import upgrade, was_skipped, with_timing
from workers.assessment.report_stage import report_stage
from workers.assessment.store import AssessmentStore
from workers.data.dataset import Dataset
from workers.data.loading import load_dataset
from workers.errors import AssessmentCancelled, DataError
from workers.preparation import PrepareData, prepare
from workers.rubric.questionnaire import Answers

# A stage's output: a typed record (workers.assessment.outputs) or, for the data stages and the report, a dict.
Stage = Callable[[AssessmentContext], Any]

STAGES: tuple[tuple[str, Stage], ...] = (
    ("profile", profile_stage),
    ("split", split_stage),
    ("checks", checks_stage),
    ("baselines", baselines_stage),
    ("deep_model", deep_stage),
    ("validation", validation_stage),
    ("label_noise", label_noise_stage),
    ("learning_curve", learning_curve_stage),
    ("test_look", test_look_stage),
    ("report", lambda ctx: {"report": report_stage(ctx).as_json()}),  # stored as JSON, like every stage
)
STAGE_NAMES: tuple[str, ...] = tuple(name for name, _ in STAGES)


def assessment_key(dataset: Dataset, config: AssessmentConfig) -> str:
    """A default key for an assessment run outside the service: the data and what was asked of it."""
    digest = hashlib.sha256(f"{dataset.sha256}|{config!r}".encode())
    return digest.hexdigest()[:16]


def run_stages(ctx: AssessmentContext) -> dict[str, Any]:
    """Run (or resume) every stage of an assessment and return the JSON report."""
    for name, stage in STAGES:
        saved = ctx.store.load_stage(name)
        if saved is not None:
            ctx.outputs[name] = upgrade(name, saved)  # a dict saved by the code before the typed outputs
            continue
        if ctx.store.should_stop():
            raise AssessmentCancelled(f"The assessment was cancelled before the {name} stage.")
        ctx.store.progress(name, 0.0)
        start, cpu_start = time.perf_counter(), time.process_time()
        output = stage(ctx)  # PointsPending propagates from here: nothing of this stage is saved
        seconds = time.perf_counter() - start
        if name == "profile":
            seconds += ctx.load_seconds  # reading the file is this stage's work too
        # The whole process's CPU (torch's and XGBoost's threads included): a worker runs one job at a time.
        output = with_timing(output, seconds, time.process_time() - cpu_start)
        ctx.store.save_stage(name, output)
        ctx.outputs[name] = output
        ctx.store.progress(name, 1.0, {"skipped": True} if was_skipped(output) else None)
    return ctx.outputs["report"]["report"]


def run_assessment(
    dataset: Dataset,
    config: AssessmentConfig,
    store: AssessmentStore,
    *,
    answers: Answers | None = None,
    key: str | None = None,
    prepare_data: PrepareData = prepare,
    load_seconds: float = 0.0,
) -> dict[str, Any]:
    """Assess a loaded `dataset` and return the JSON report. `prepare_data` is `prepare` or a stand-in with
    its contract (the service's reads a stored preparation); `load_seconds`, the time it took to load the
    dataset, counts as the profile stage's. User mistakes raise `ReadinessError` subclasses."""
    profile = store.load_stage("profile")
    if profile is not None and profile["dataset"]["sha256"] != dataset.sha256:
        # A resumed job must see the same bytes its finished stages saw, or their outputs are meaningless.
        raise DataError(f"{dataset.source} changed since this assessment started; start a new assessment.")
    ctx = AssessmentContext(
        dataset=dataset,
        config=config,
        answers=answers or Answers(),
        store=store,
        key=key or assessment_key(dataset, config),
        load_seconds=load_seconds,
        prepare_data=prepare_data,
    )
    return run_stages(ctx)


def assess_file(
    path: str | Path,
    config: AssessmentConfig,
    store: AssessmentStore,
    *,
    answers: Answers | None = None,
    key: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Load the labelled file at `path` and assess it (`name`: how messages and the report call it,
    default its file name). For stand-alone runs and tests; the service loads its stored parse instead."""
    started = time.perf_counter()
    dataset = load_dataset(
        path, target=config.target, positive=config.positive, max_bytes=config.max_file_bytes, name=name
    )
    return run_assessment(
        dataset, config, store, answers=answers, key=key, load_seconds=time.perf_counter() - started
    )
