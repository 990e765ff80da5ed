"""Progress never goes dark: every stage says what it is doing, with elapsed time and an honest ETA, in the
terminal, the API and the dashboard's live page."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from service.assessments.progress_summary import (
    STAGE_NAMES,
    STAGE_TITLES,
    eta_seconds,
    format_duration,
    stage_message,
    summarize,
    work_done,
)
from service.assessments.progress_view import ProgressView

START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def test_the_stage_names_are_the_pipelines_own() -> None:
    from workers.assessment.runner import STAGE_NAMES as PIPELINE_STAGES

    assert STAGE_NAMES == PIPELINE_STAGES
    assert set(STAGE_TITLES) == set(STAGE_NAMES)


@pytest.mark.parametrize(
    ("stage", "detail", "words"),
    [
        ("baselines", {"fitted": [], "fitting": "XGBoost"}, "fitting XGBoost"),
        (
            "deep_model",
            {"epoch": 7, "train_loss": 0.1, "max_epochs": 60},
            "training the deep model, epoch 7 of ≤60",
        ),
        (
            "deep_model",
            {"epoch": 3, "train_loss": 0.1, "max_epochs": 200, "model": "TabM"},
            "training TabM, epoch 3 of ≤200",
        ),
        ("deep_model", {}, "training the deep model"),
        ("learning_curve", {"points_done": 4, "points": 6}, "learning curve: 4 of 6 points done"),
        (
            "learning_curve",
            {"waiting_for_points": True, "points_done": 4, "points": 6},
            "learning curve: 4 of 6 points done (each its own job)",
        ),
        ("test_look", {}, "bootstrapping test metrics"),
        ("deep_model", {"skipped": True}, "deep model: skipped"),
        (None, {}, "waiting for a worker"),
    ],
)
def test_every_stage_says_what_it_is_doing(stage: str | None, detail: dict, words: str) -> None:
    assert stage_message(stage, detail) == words


def test_every_stage_has_words_without_a_detail() -> None:
    for stage in STAGE_NAMES:
        assert stage_message(stage, {})


def test_work_done_moves_with_the_points_and_never_passes_one() -> None:
    before = work_done("learning_curve", 2 / 6)
    after = work_done("learning_curve", 4 / 6)
    assert work_done("validation", 1.0) <= before < after < work_done("test_look", 0.0)
    assert work_done("report", 1.0) == pytest.approx(1.0)
    assert work_done("report", 5.0) <= 1.0
    assert work_done(None, 0.5) == 0.0
    # a skipped deep model weighs nothing: the baselines' end is further along without it
    assert work_done("baselines", 1.0, {"run_deep": False}) > work_done("baselines", 1.0, {})


def test_the_eta_is_unknown_early_zero_at_the_end_and_never_negative() -> None:
    assert eta_seconds(None, 0.5) is None
    assert eta_seconds(1.0, 0.5) is None  # too soon to tell
    assert eta_seconds(60.0, 0.01) is None  # too little done to extrapolate
    assert eta_seconds(60.0, 0.5) == pytest.approx(60.0)
    assert eta_seconds(60.0, 0.75) == pytest.approx(20.0)
    assert eta_seconds(60.0, 1.0) == 0.0
    assert eta_seconds(60.0, 1.5) == 0.0


def test_summarize_a_running_a_queued_and_a_finished_assessment() -> None:
    running = summarize(
        status="running",
        stage="learning_curve",
        fraction=4 / 6,
        detail={"waiting_for_points": True, "points_done": 4, "points": 6},
        config={"run_deep": True, "learning_curve": True},
        started_at=START,
        finished_at=None,
        now=START + timedelta(seconds=90),
    )
    assert running["message"] == "learning curve: 4 of 6 points done (each its own job)"
    assert running["elapsed_seconds"] == 90.0
    assert running["eta_seconds"] is not None and running["eta_seconds"] > 0
    assert running["stage_title"] == "Learning curves"
    queued = summarize(
        status="queued", stage=None, fraction=0.0, detail=None, config=None, started_at=None, finished_at=None
    )
    assert queued["elapsed_seconds"] is None and queued["eta_seconds"] is None
    assert queued["message"] == "waiting for a worker"
    done = summarize(
        status="succeeded",
        stage="report",
        fraction=1.0,
        detail={},
        config={},
        started_at=START.replace(tzinfo=None),  # a naive timestamp is UTC
        finished_at=START + timedelta(seconds=42),
    )
    assert done["elapsed_seconds"] == 42.0 and done["eta_seconds"] == 0.0 and done["work_done"] == 1.0
    failed = summarize(
        status="failed",
        stage="deep_model",
        fraction=0.3,
        detail={},
        config={},
        started_at=START,
        finished_at=START,
    )
    assert failed["eta_seconds"] is None and failed["message"] == "failed during deep model"


def test_format_duration() -> None:
    assert format_duration(None) == "–"
    assert format_duration(-3) == "0s"
    assert format_duration(42.4) == "42s"
    assert format_duration(185) == "3m 05s"
    assert format_duration(3720) == "1h 02m"


def test_the_terminal_shows_the_stage_in_words_with_elapsed_time_and_eta() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False)
    with ProgressView(console) as view:
        view.update("learning_curve", 4 / 6, {"waiting_for_points": True, "points_done": 4, "points": 6})
        view._progress.refresh()
        overall = view._progress.tasks[0]
        stage = view._progress.tasks[1 + STAGE_NAMES.index("learning_curve")]
        assert overall.description == "Overall" and overall.completed > 0.5
        assert "elapsed" in overall.fields["detail"]
        assert stage.fields["detail"] == "learning curve: 4 of 6 points done (each its own job)"
        view.update("deep_model", 0.1, {"epoch": 6, "train_loss": 0.5, "max_epochs": 60})
        assert (
            view._progress.tasks[1 + STAGE_NAMES.index("deep_model")]
            .fields["detail"]
            .startswith("training the deep model, epoch 6 of ≤60 (train loss 0.5000")
        )
        view.finish()
        assert view._progress.tasks[0].fields["detail"].startswith("done in ")


def _running_assessment() -> object:
    import uuid

    from service.models import Assessment, AssessmentStatus

    return Assessment(
        id=uuid.uuid4(),
        project_id=uuid.uuid4(),
        dataset_id=uuid.uuid4(),
        status=AssessmentStatus.running,
        stage="learning_curve",
        progress=4 / 6,
        progress_detail={"waiting_for_points": True, "points_done": 4, "points": 6},
        config={"run_deep": True, "learning_curve": True},
        created_at=START,
        started_at=datetime.now(UTC) - timedelta(seconds=120),
    )


def test_the_api_progress_object_has_words_elapsed_and_eta_and_keeps_the_old_fields() -> None:
    from service.api.schemas.assessments import AssessmentPublic

    body = AssessmentPublic.from_row(_running_assessment()).model_dump(mode="json")
    assert body["progress"] == pytest.approx(4 / 6) and body["progress_detail"]["points_done"] == 4
    info = body["progress_info"]
    assert info["message"] == "learning curve: 4 of 6 points done (each its own job)"
    assert info["stage"] == "learning_curve" and info["fraction"] == pytest.approx(4 / 6, abs=1e-3)
    assert info["elapsed_seconds"] >= 120 and info["eta_seconds"] > 0


def test_the_live_page_never_goes_dark_during_the_learning_curve() -> None:
    from service.dashboard.live import progress

    state = progress(_running_assessment())
    assert state["text"] == "Learning curve: 4 of 6 points done (each its own job)"
    assert state["elapsed_seconds"] >= 120 and state["eta_seconds"] > 0
    assert state["time_text"].startswith("Elapsed 2m ") and "left" in state["time_text"]
