"""Issue 13, intake through every door: a zip of labelled images is taken in by the API, the dashboard's
form, a batch and `readiness assess` (which also takes a folder, or a CSV of image paths); an unsafe or
oversized zip is a 4xx `{"detail","code"}` (CLI: exit 2 and the message) with no dataset row and no stored
file left behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service.app import create_app
from service.artifacts import ArtifactStore
from service.cli.main import main
from service.database.engine import session_scope
from service.datasets.parsed import StoredDataset, load_stored
from service.models import Dataset
from service.settings import Settings
from tests.dashboard.browsing import csrf_token, new_key, sign_in
from tests.dashboard.test_forms import _create_project
from tests.images_zips import PER_CLASS, bomb_members, folder_members, image_bytes, with_symlink, zip_bytes
from tests.service.test_api_harness import assert_error, bearer, make_project, running_api, upload
from tests.service.test_batches import post_batch
from tests.service.test_nothing_half_written import snapshot

# (zip bytes, a setting made small or None, the status, the code, words of the message)
REFUSALS = {
    "symlink": (lambda: with_symlink(folder_members()), None, 422, "unsafe_zip_entry", "symbolic link"),
    "dotdot": (
        lambda: zip_bytes(folder_members() | {"../../evil.png": image_bytes(1)}),
        None,
        422,
        "unsafe_zip_entry",
        "..",
    ),
    "bomb": (lambda: zip_bytes(bomb_members()), None, 413, "zip_ratio_too_high", "READINESS_MAX_ZIP_RATIO"),
    "count": (
        lambda: zip_bytes(folder_members()),
        ("max_images", 5),
        413,
        "too_many_images",
        "READINESS_MAX_IMAGES",
    ),
    "layout": (
        lambda: zip_bytes({"a.png": image_bytes(1), "b.png": image_bytes(2)}),
        None,
        422,
        "unknown_image_layout",
        "a folder per class",
    ),
}
ENV = {"max_images": "READINESS_MAX_IMAGES"}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_the_api_takes_in_a_zip_of_class_folders(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    content = zip_bytes({f"pets/{name}": data for name, data in folder_members().items()})
    answer = upload(
        client, headers, project["id"], content=content, filename="pets.zip", target="animal", positive="dogs"
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["filename"], body["rows"], body["target"], body["positive_label"]) == (
        "pets.zip",
        2 * PER_CLASS,
        "animal",
        "dogs",
    )
    assert body["profile"]["class_counts"] == {"cats": PER_CLASS, "dogs": PER_CLASS}


@pytest.mark.parametrize("case", REFUSALS)
def test_the_api_refuses_an_unsafe_or_oversized_zip_and_keeps_nothing(
    case: str, client: TestClient, engine: Engine, settings: Settings
) -> None:
    make, setting, status, code, words = REFUSALS[case]
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    if setting is not None:
        client.app.state.settings = settings.model_copy(update={setting[0]: setting[1]})
    before = snapshot(engine, settings)
    answer = upload(
        client, headers, project["id"], content=make(), filename="photos.zip", target="label", positive=None
    )
    body = assert_error(answer, status, code)
    assert words in body["detail"] and "photos.zip" in body["detail"]
    assert snapshot(engine, settings) == before


def test_the_api_names_zip_among_the_types_it_takes(client: TestClient, engine: Engine) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    answer = upload(
        client, headers, project["id"], content=b"Rar!", filename="photos.rar", target="label", positive=None
    )
    assert ".zip" in assert_error(answer, 415, "unsupported_file_type")["detail"]


def test_the_dashboard_form_takes_a_zip(settings: Settings, engine: Engine) -> None:
    with running_api(settings) as client:
        client.follow_redirects = False
        sign_in(client, new_key(engine, "team-a"))
        token = csrf_token(client)
        page = _create_project(client, token)
        form = client.get(f"{page}/datasets/new")
        assert 'accept=".csv,.parquet,.pq,.zip"' in form.text and "zip" in form.text
        refused = client.post(
            f"{page}/datasets/new",
            data={"csrf_token": token, "target": "label"},
            files={"file": ("photos.zip", with_symlink(folder_members()), "application/zip")},
        )
        assert refused.status_code == 400 and "symbolic link" in refused.text
        answer = client.post(
            f"{page}/datasets/new",
            data={"csrf_token": token, "target": "label", "positive": "dogs"},
            files={"file": ("photos.zip", zip_bytes(folder_members()), "application/zip")},
        )
        assert answer.status_code == 303, answer.text
        shown = client.get(page).text  # the project page lists the dataset as images, not rows × columns
    with session_scope(engine) as session:
        assert session.scalars(select(Dataset.filename)).all() == ["photos.zip"]
    assert "<dt>Images</dt><dd>20</dd>" in shown and "<dt>Columns</dt>" not in shown


def test_a_batch_names_a_zip(client: TestClient, engine: Engine) -> None:
    spec = """
name: images
items:
  - kind: project
    name: pets
    answers:
      dataset: {labels_available: true}
  - kind: dataset
    project: pets
    file: photos.zip
    target: label
    positive: dogs
"""
    answer = post_batch(client, bearer(engine, "team-a"), spec, {"photos.zip": zip_bytes(folder_members())})
    assert answer.status_code == 202, answer.text
    with session_scope(engine) as session:
        assert session.scalars(select(Dataset.rows)).all() == [2 * PER_CLASS]


@pytest.mark.parametrize("case", ["symlink", "bomb", "count", "layout"])
def test_readiness_assess_refuses_an_unsafe_or_oversized_zip_with_exit_2(
    case: str, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, setting, _status, _code, words = REFUSALS[case]
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    if setting is not None:
        monkeypatch.setenv(ENV[setting[0]], str(setting[1]))
    path = tmp_path / "photos.zip"
    path.write_bytes(make())
    result = CliRunner().invoke(main, ["assess", str(path), "--no-deep", "--quiet"])
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
    stored = tmp_path / "home" / "artifacts"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


def test_readiness_assess_asks_a_table_for_its_target(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["assess", str(path), "--no-deep", "--quiet"])
    assert result.exit_code == 2 and "--target" in result.output, result.output


def test_readiness_assess_refuses_a_folder_in_neither_layout_with_exit_2(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    folder = tmp_path / "loose"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.png").write_bytes(image_bytes(i))
    result = CliRunner().invoke(main, ["assess", str(folder), "--no-deep", "--quiet"])
    assert result.exit_code == 2 and "loose.zip has images outside any class folder" in result.output, (
        result.output
    )


@pytest.mark.slow
def test_readiness_assess_takes_a_folder_and_the_same_folder_is_the_same_dataset(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    folder = tmp_path / "photos"
    for name, data in folder_members().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    args = ["assess", str(folder), "--no-deep", "--no-learning-curve", "--resamples", "100", "--quiet"]
    for _ in range(2):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    with session_scope(engine) as session:
        rows = session.execute(select(Dataset.filename, Dataset.sha256, Dataset.target)).all()
    assert len(rows) == 1 and rows[0][0] == "photos.zip" and rows[0][2] == "label"


def test_readiness_assess_zips_a_csv_of_image_paths_and_reads_its_label_column(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    (tmp_path / "img").mkdir()
    rows = ["path,diagnosis"]
    for i in range(2 * PER_CLASS):
        (tmp_path / "img" / f"{i}.png").write_bytes(image_bytes(i))
        rows.append(f"img/{i}.png,{'sick' if i % 2 else 'well'}")
    (tmp_path / "labels.csv").write_text("\n".join(rows))
    # No --target: the label is the CSV's column, so "label" is not found, and the message lists its columns.
    result = CliRunner().invoke(main, ["assess", str(tmp_path / "labels.csv"), "--no-deep", "--quiet"])
    assert result.exit_code == 2, result.output
    assert "'label' is not in labels.csv" in result.output and "'diagnosis'" in result.output


def test_the_stored_parse_of_an_uploaded_zip_is_what_jobs_load(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    headers = bearer(engine, "team-a")
    project = make_project(client, headers)
    answer = upload(
        client,
        headers,
        project["id"],
        content=zip_bytes(folder_members()),
        filename="p.zip",
        target="label",
        positive=None,
    )
    assert answer.status_code == 201, answer.text
    with session_scope(engine) as session:
        row = session.scalars(select(Dataset)).one()
        stored = StoredDataset.of(row)
    data = load_stored(ArtifactStore(settings.artifacts_path), stored)
    assert data.modality == "images" and data.n_rows == 2 * PER_CLASS and data.source == "p.zip"
    assert data.images is not None and sorted(data.images.names)[0] == "cats/000.png"
