"""The Python client against a live server with a worker: the calls a notebook makes, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from readiness_client import Client, ReadinessAPIError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ANSWERS = {"dataset": {"labels_available": True}, "feasibility": {"target_value": 0.9}}
QUICK = {"run_deep": False, "learning_curve": False, "n_resamples": 200}


def test_a_project_from_upload_to_verdict_and_the_budget(rd: Client) -> None:
    assert rd.health()["status"] == "ok"
    project = rd.create_project("client walk-through", answers=ANSWERS)
    assert project.id in {p.id for p in rd.projects().data}

    data = rd.upload_dataset(project.id, EXAMPLES / "breast_cancer.csv", target="diagnosis", positive="malignant")
    assert (data.rows, data.target) == (569, "diagnosis")

    seen: list[str] = []
    queued = rd.submit_assessment(project.id, data.id, **QUICK)
    done = rd.wait(queued.id, poll_seconds=0.2, on_progress=lambda a: seen.append(a.progress_info.message))
    assert done.status == "succeeded"
    assert done.verdict is not None and done.verdict["code"]
    assert seen and seen[0] != seen[-1]  # progress was reported as it moved, not only at the end

    split = rd.split(done.split_id or "")
    assert split.budget.used == 1
    assert [look.assessment_id for look in rd.ledger(split.id).data] == [done.id]
    raised = rd.raise_budget(split.id, new_limit=split.budget.limit + 2, reason="a second model family")
    assert raised.budget.remaining == split.budget.remaining + 2
    assert raised.budget_changes[-1].reason == "a second model family"


def test_errors_arrive_with_the_servers_code_and_field(rd: Client) -> None:
    project = rd.create_project("client errors")
    with pytest.raises(ReadinessAPIError) as missing:
        rd.upload_dataset(project.id, ("t.csv", b"a,b\n1,2\n3,4\n"), target="label")
    assert missing.value.status_code == 422 and missing.value.field == "target"
    assert "label" in missing.value.detail

    with pytest.raises(ReadinessAPIError) as unknown:
        rd.assessment("00000000-0000-0000-0000-000000000000")
    assert (unknown.value.status_code, unknown.value.code) == (404, "not_found")

    with pytest.raises(ReadinessAPIError) as bad_option:
        rd.submit_assessment(project.id, "00000000-0000-0000-0000-000000000000", seed=-1)
    assert bad_option.value.status_code == 422


def test_the_journal_a_grid_and_a_batch(rd: Client, tmp_path: Path) -> None:
    project = rd.create_project("client journal")
    data = rd.upload_dataset(project.id, EXAMPLES / "breast_cancer.csv", target="diagnosis", positive="malignant")

    single = rd.create_experiment(
        data.id, "logistic_regression", hyperparameters={"C": 0.5}, hypothesis="a linear model is enough"
    )
    single = rd.wait_experiment(single.id, poll_seconds=0.2)
    with pytest.raises(ReadinessAPIError) as repeated:
        rd.create_experiment(data.id, "logistic_regression", hyperparameters={"C": 0.5})
    assert repeated.value.code == "duplicate_experiment"
    assert single.status == "succeeded" and single.result is not None
    edited = rd.edit_experiment(single.id, inference="it is", tags=["linear"])
    assert (edited.inference, edited.tags) == ("it is", ["linear"])
    assert [e.id for e in rd.experiments(project_id=project.id, tag="linear").data] == [single.id]
    assert "a linear model is enough" in rd.journal(project.id, format="csv")

    grid = rd.create_grid(data.id, "logistic_regression", {"C": [0.1, 1.0]}, hypothesis="C matters little")
    grid = rd.wait_grid(grid.id, poll_seconds=0.2)
    assert grid.status == "finished" and grid.progress["succeeded"] == 2
    promoted = rd.promote(grid.id, reason="best on validation")
    assert promoted.experiment.test_result is not None
    assert rd.grid(grid.id).promoted_experiment_id == promoted.experiment.id

    spec = tmp_path / "batch.yaml"
    spec.write_text(
        "name: from the client\nitems:\n"
        "  - {kind: project, name: client batch}\n"
        "  - {kind: dataset, name: bc, project: client batch, file: breast_cancer.csv, target: diagnosis,"
        " positive: malignant}\n"
    )
    batch = rd.wait_batch(rd.submit_batch(spec, [EXAMPLES / "breast_cancer.csv"]).id, poll_seconds=0.2)
    assert batch.status == "succeeded"
    assert [item.kind for item in batch.items] == ["project", "dataset"]
    assert batch.id in {b.id for b in rd.batches().data}


def test_a_zip_of_images_is_a_dataset_the_client_assesses(rd: Client) -> None:
    project = rd.create_project("client images")
    data = rd.upload_dataset(project.id, EXAMPLES / "digits.zip", target="label")
    assert (data.rows, data.filename) == (1797, "digits.zip")
    assert data.profile is not None and data.profile["modality"] == "images"
    done = rd.wait(rd.submit_assessment(project.id, data.id, **QUICK).id, poll_seconds=0.2)
    assert done.status == "succeeded" and done.report is not None
    assert done.report["dataset"]["modality"] == "images"
    assert done.report["images"]["summary"]["count"] == 1797
