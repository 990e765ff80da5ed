"""The journal, grid and batch pages: experiments with their duplicate warnings, hypothesis and inference
edited through the form (the old text kept), side-by-side comparison, a grid's leaderboard with its
Ladder column, a batch's items, and none of it visible to another team."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service.artifacts import ArtifactStore
from service.database.engine import session_scope
from service.journal.grids import GridRequest, add_grid, grid_points
from service.journal.procedures import ExperimentRequest
from service.journal.submit import new_experiment
from service.models import Batch, BatchItem, Experiment, Grid, RunStatus
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, new_key, sign_in
from tests.service.records import project_with_dataset
from tests.service.test_api_harness import BREAST_CANCER

CI = re.compile(r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]")


@dataclass(frozen=True)
class Journal:
    project_id: str
    first: str  # succeeded, with a test look
    repeat: str  # a deliberate repeat of `first`, still queued
    grid_id: str
    batch_id: str


@pytest.fixture
def journal(engine: Engine, settings: Settings) -> Journal:
    """Team A's project with two experiments (the second a repeat of the first), a two-point grid with
    results and a batch of three items; no jobs run behind them."""
    project, dataset = project_with_dataset(
        engine,
        ArtifactStore(settings.artifacts_path),
        BREAST_CANCER,
        target="diagnosis",
        positive="malignant",
        team="team-a",
    )
    request = ExperimentRequest(model_family="logistic_regression", hypothesis="A linear model is enough.")
    with session_scope(engine) as session:
        first = new_experiment(session, project=project, dataset=dataset, request=request, who="tests")
        first.status = RunStatus.succeeded
        first.result = {"validation": {"roc_auc": 0.98765, "pr_auc": 0.97}, "train_roc_auc": 0.99}
        first.test_result = {"metrics": {"roc_auc": {"value": 0.912, "ci_low": 0.897, "ci_high": 0.925}}}
        session.flush()
        again = ExperimentRequest(
            model_family="logistic_regression", seed=7, repeat=True, repeat_reason="seed variance"
        )
        repeat = new_experiment(session, project=project, dataset=dataset, request=again, who="tests")
        repeat.procedure = {**repeat.procedure, "seed": first.seed}
        repeat.repeat_of, repeat.repeat_reason = first.id, "seed variance"
        grid, points = add_grid(
            session,
            project=project,
            dataset=dataset,
            request=GridRequest(model_family="logistic_regression", grid={"C": [0.1, 10.0]}, name="C sweep"),
            who="tests",
        )
        for n, point in enumerate(points):
            point.status = RunStatus.succeeded
            point.result = {
                "validation": {"roc_auc": 0.9 + n / 100},
                "train_roc_auc": 0.95,
                "fit_seconds": 0.5,
            }
        batch = Batch(team_id=project.team_id, name="nightly", spec={}, created_by="tests")
        session.add(batch)
        session.flush()
        for position, (kind, label, target) in enumerate(
            [
                ("project", "the project", project.id),
                ("dataset", "cancer.csv", dataset.id),
                ("grid", "sweep", grid.id),
            ]
        ):
            session.add(
                BatchItem(batch_id=batch.id, position=position, kind=kind, label=label, target_id=target)
            )
        session.flush()
        return Journal(str(project.id), str(first.id), str(repeat.id), str(grid.id), str(batch.id))


def test_the_journal_lists_experiments_with_results_and_the_repeat_badge(
    app_client: TestClient, engine: Engine, journal: Journal
) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    page = app_client.get("/journal")
    assert page.status_code == 200
    html = page.text
    assert f'href="/journal/{journal.first}"' in html and f'href="/journal/{journal.repeat}"' in html
    assert re.search(rf'href="/journal/{journal.first}"[^>]*>repeat of {journal.first[:8]}', html)
    assert '<td class="num" data-metric="validation_roc_auc">0.988</td>' in html
    assert CI.search(html) and "0.912 [0.897, 0.925]" in html
    assert "A linear model is enough." in html
    assert app_client.get("/journal", params={"kind": "grid"}).text.count('name="id"') == 2
    assert app_client.get("/journal", params={"tag": "no-such-tag"}).text.count('name="id"') == 0

    compared = app_client.get("/journal/compare", params=[("id", journal.first), ("id", journal.repeat)])
    assert compared.status_code == 200
    assert compared.text.count('<th scope="col"><a href="/journal/') == 2
    assert re.search(r'<tr class="differs">\s*<th scope="row">status', compared.text)
    assert app_client.get("/journal/compare", params={"id": journal.first}).status_code == 400

    export = app_client.get(f"/projects/{journal.project_id}/journal.csv")
    assert export.status_code == 200 and export.text.count("\n") == 5  # header and four experiments
    assert "# Lab journal" in app_client.get(f"/projects/{journal.project_id}/journal.md").text


def test_editing_the_inference_keeps_the_old_text_and_needs_the_token(
    app_client: TestClient, engine: Engine, journal: Journal
) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    page = app_client.get(f"/journal/{journal.first}")
    assert page.status_code == 200 and "Not edited since it was recorded." in page.text
    token = csrf_token(app_client, f"/journal/{journal.first}")
    url = f"/journal/{journal.first}/inference"
    first = app_client.post(url, data={"csrf_token": token, "inference": "Linear is enough here."})
    assert first.status_code == 303
    second = app_client.post(url, data={"csrf_token": token, "inference": "Try trees before deep."})
    assert second.headers["location"] == f"/journal/{journal.first}?saved=inference#inference"
    html = app_client.get(second.headers["location"]).text
    assert ">Try trees before deep.</textarea>" in html
    assert "It read: <blockquote" in html and "Linear is enough here.</blockquote>" in html

    assert app_client.post(url, data={"inference": "forged"}).status_code == 403
    assert app_client.post(url, data={"csrf_token": "wrong", "inference": "forged"}).status_code == 403
    assert app_client.post(f"/journal/{journal.first}/status", data={"csrf_token": token}).status_code == 404
    with session_scope(engine) as session:
        assert session.get(Experiment, journal.first).inference == "Try trees before deep."


def test_the_grid_page_shows_the_leaderboard_with_both_scores(
    app_client: TestClient, engine: Engine, journal: Journal
) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    assert "C sweep" in app_client.get("/grids").text
    html = app_client.get(f"/grids/{journal.grid_id}").text
    assert "2 of 2 points done" in html and 'http-equiv="refresh"' not in html
    assert ">Ladder ROC-AUC</th>" in html and ">Validation ROC-AUC</th>" in html
    assert len(re.findall(r'data-metric="ladder_roc_auc">\d\.\d{3}<', html)) >= 1  # the leader's new best
    assert 'data-ranked-by="ladder"' in html and "Ladder (Blum &amp; Hardt 2015)" in html
    assert "No point promoted yet: the test split is untouched." in html
    by_validation = app_client.get(f"/grids/{journal.grid_id}", params={"rank_by": "validation"}).text
    assert 'data-ranked-by="validation"' in by_validation
    first_row = by_validation[by_validation.index("<tbody>") :]
    assert re.search(r'<td class="num">1</td>\s*<td><a href="/journal/[^"]+">10.0<', first_row)


def test_the_grid_page_shows_the_promoted_point_and_its_test_result(
    app_client: TestClient, engine: Engine, journal: Journal
) -> None:
    with session_scope(engine) as session:
        grid = session.get(Grid, uuid.UUID(journal.grid_id))
        chosen = session.get(Experiment, grid_points(session, grid.id)[1][1].id)  # C=10, not the leader
        chosen.test_result = {
            "metrics": {"roc_auc": {"value": 0.934, "ci_low": 0.901, "ci_high": 0.962}},
            "budget": {"used": 1, "limit": 3},
            "reason": "the C we ship",
            "who": "tests",
        }
        grid.promoted_experiment_id = chosen.id
    sign_in(app_client, new_key(engine, "team-a"))
    html = app_client.get(f"/grids/{journal.grid_id}").text
    assert f'data-promoted-point="{chosen.id}"' in html and "(rank 2)" in html and "C=10.0" in html
    assert '<td class="num" data-test-metric="roc_auc">0.934 [0.901, 0.962]</td>' in html
    assert "Test looks used: 1 of 3" in html and "the C we ship" in html
    assert html.count("data-promoted>promoted</span>") == 1


def test_the_batch_page_shows_each_items_progress(
    app_client: TestClient, engine: Engine, journal: Journal
) -> None:
    sign_in(app_client, new_key(engine, "team-a"))
    assert "nightly" in app_client.get("/batches").text
    html = app_client.get(f"/batches/{journal.batch_id}").text
    assert re.findall(r'data-item-status="(\w+)"', html) == ["succeeded"] * 3
    assert "2 of 2 points" in html and f'href="/grids/{journal.grid_id}"' in html
    assert f'href="/projects/{journal.project_id}#datasets"' in html


def test_another_team_gets_404_on_every_page(
    app_client: TestClient, engine: Engine, journal: Journal
) -> None:
    sign_in(app_client, new_key(engine, "team-b"))
    for path in (
        f"/journal/{journal.first}",
        f"/journal/compare?id={journal.first}&id={journal.repeat}",
        f"/grids/{journal.grid_id}",
        f"/batches/{journal.batch_id}",
        f"/projects/{journal.project_id}/journal.md",
        f"/projects/{journal.project_id}/journal.csv",
        "/journal/not-a-uuid",
        "/grids/00000000-0000-0000-0000-000000000000",
    ):
        assert app_client.get(path).status_code == 404, path
    token = csrf_token(app_client)
    answer = app_client.post(
        f"/journal/{journal.first}/inference", data={"csrf_token": token, "inference": "x"}
    )
    assert answer.status_code == 404
    for path in ("/journal", "/grids", "/batches"):
        listed = app_client.get(path).text
        assert (
            journal.first not in listed and journal.grid_id not in listed and journal.batch_id not in listed
        )


def test_compare_shows_what_differs_marks_the_best_and_overlays_the_roc_curves(
    app_client: TestClient, engine: Engine, journal: Journal
) -> None:
    with session_scope(engine) as session:
        points = session.scalars(select(Experiment).where(Experiment.grid_id == uuid.UUID(journal.grid_id))).all()
        low, high = sorted(points, key=lambda e: e.result["validation"]["roc_auc"])
        high.result = {**high.result, "validation_roc": {"fpr": [0.0, 0.1, 1.0], "tpr": [0.0, 0.8, 1.0]}}
        ids = [str(low.id), str(high.id)]
    sign_in(app_client, new_key(engine, "team-a"))
    page = app_client.get("/journal/compare", params=[("id", i) for i in ids]).text
    rows = [r.strip() for r in re.findall(r"<th scope=\"row\">([^<]+)", page)]
    assert "C" in rows and "model family" not in rows  # only what differs, by default
    assert re.search(r"field(s)? that every experiment shares", page)
    best = re.findall(r'<td class="num best">([^<]+)', page)
    assert best == ["0.910 "]  # the higher validation ROC-AUC, and only it
    assert 'id="chart-compare-roc"' in page and f"logistic regression {ids[0][:8]}" in page.split("No validation curve")[1]

    every = app_client.get("/journal/compare", params=[*(("id", i) for i in ids), ("all", "1")]).text
    assert "model family" in [r.strip() for r in re.findall(r"<th scope=\"row\">([^<]+)", every)]


def test_the_journal_list_names_the_project_and_filters_families_as_typed(
    app_client: TestClient, engine: Engine, journal: Journal
) -> None:
    with session_scope(engine) as session:
        session.get(Experiment, uuid.UUID(journal.first)).tags = ["Baseline"]  # type: ignore[union-attr]
    sign_in(app_client, new_key(engine, "team-a"))
    for tag in ("baseline", "BASELINE", " Baseline "):
        assert app_client.get("/journal", params={"tag": tag}).text.count('name="id"') == 1, tag
    for typed in ("Logistic Regression", "LOGISTIC_REGRESSION", "logistic regression"):
        page = app_client.get("/journal", params={"model_family": typed}).text
        assert page.count('name="id"') == 4, typed
    assert re.search(r'<td>[^<]*breast[^<]*</td>\s*<td class="hypothesis">A linear model is enough.', page, re.I)
