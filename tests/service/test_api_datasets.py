"""Dataset uploads over HTTP: the example is profiled and checked; every bad input is a 4xx with
{detail, code} that leaves no row and no file behind."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.models import Dataset
from service.settings import Settings
from tests.service.test_api_harness import (
    API,
    BREAST_CANCER,
    assert_error,
    bearer,
    count_rows,
    make_project,
    running_api,
    stored_files,
    upload,
)

BOUNDARY = "readiness-test-boundary"
ONE_CLASS_CSV = b"x,y,label\n" + b"".join(f"{i},{i % 7},same\n".encode() for i in range(60))


def _multipart_chunks(content: bytes) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="target"\r\n\r\ndiagnosis\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    for start in range(0, len(content), 64 * 1024):
        yield content[start : start + 64 * 1024]
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def headers(engine: Engine) -> dict[str, str]:
    return bearer(engine, "team-a")


@pytest.fixture
def project_id(client: TestClient, headers: dict[str, str]) -> str:
    return make_project(client, headers)["id"]


def test_the_example_is_stored_profiled_and_checked(
    client: TestClient, headers: dict[str, str], project_id: str, settings: Settings
) -> None:
    answer = upload(client, headers, project_id)
    assert answer.status_code == 201, answer.text
    dataset = answer.json()
    assert dataset["rows"] == 569 and dataset["columns"] == 30
    assert dataset["sha256"] == hashlib.sha256(BREAST_CANCER.read_bytes()).hexdigest()
    assert dataset["size_bytes"] == BREAST_CANCER.stat().st_size
    assert (dataset["target"], dataset["positive_label"]) == ("diagnosis", "malignant")
    assert dataset["profile"]["class_counts"] == {"benign": 357, "malignant": 212}
    assert len(dataset["profile"]["column_profiles"]) == 30
    assert isinstance(dataset["checks"], list) and dataset["checks"], "the imbalance check at least reports"
    assert all({"check", "severity", "columns", "message"} <= set(f) for f in dataset["checks"])
    # The upload under its content hash, and beside it what was read from it for the jobs (the parsed table
    # and its default split and checks) and its row sketch (which test budget it shares), named after the
    # same bytes.
    stored = sorted(p.name for p in stored_files(settings))
    assert [name for name in stored if name.count(".") == 1] == [f"{dataset['sha256']}.csv"]
    assert len(stored) == 4 and all(name.startswith(dataset["sha256"] + ".") for name in stored)
    assert answer.headers["location"] == f"{API}/datasets/{dataset['id']}"
    assert client.get(f"{API}/datasets/{dataset['id']}", headers=headers).json() == dataset
    listed = client.get(f"{API}/projects/{project_id}/datasets", headers=headers).json()
    assert listed["count"] == 1 and listed["data"] == [dataset]


def test_the_same_bytes_uploaded_twice_are_stored_once(
    client: TestClient, headers: dict[str, str], project_id: str, settings: Settings
) -> None:
    first = upload(client, headers, project_id).json()
    second = upload(client, headers, project_id).json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    kept = stored_files(settings)
    assert len(kept) == 4  # the upload, its parsed table, its default preparation, its row sketch: once for both
    # A later refused upload of the same bytes must not delete the files the two datasets point at.
    assert_error(upload(client, headers, project_id, target="nope"), 422, "unknown_target")
    assert stored_files(settings) == kept


def test_parquet_is_accepted(
    client: TestClient, headers: dict[str, str], project_id: str, tmp_path: Path
) -> None:
    import pandas as pd

    path = tmp_path / "cancer.parquet"
    pd.read_csv(BREAST_CANCER).to_parquet(path)
    answer = upload(client, headers, project_id, content=path.read_bytes(), filename="cancer.pq")
    assert answer.status_code == 201, answer.text
    assert answer.json()["rows"] == 569


BAD_UPLOADS = {
    "wrong suffix": (dict(filename="data.xlsx"), 415, "unsupported_file_type"),
    "not a CSV": (dict(content=bytes(range(256)) * 64), 422, "unreadable_file"),
    "target not in the file": (dict(target="outcome"), 422, "unknown_target"),
    "unknown positive label": (dict(positive="maybe"), 422, "unknown_positive_label"),
    "one-class target": (
        dict(content=ONE_CLASS_CSV, target="label", positive=None),
        422,
        "single_class_target",
    ),
    "empty file": (dict(content=b""), 422, "empty_dataset"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_a_bad_upload_is_refused_and_leaves_nothing(
    case: str,
    client: TestClient,
    headers: dict[str, str],
    project_id: str,
    engine: Engine,
    settings: Settings,
) -> None:
    kwargs, status, code = BAD_UPLOADS[case]
    assert_error(upload(client, headers, project_id, **kwargs), status, code)
    assert count_rows(engine, Dataset) == 0
    assert stored_files(settings) == []


def test_a_body_that_is_not_multipart_is_refused(
    client: TestClient, headers: dict[str, str], project_id: str, engine: Engine, settings: Settings
) -> None:
    url = f"{API}/projects/{project_id}/datasets"
    body = assert_error(
        client.post(url, json={"file": "data.csv", "target": "y"}, headers=headers),
        415,
        "unsupported_media_type",
    )
    assert "multipart/form-data" in body["detail"]
    broken = {"content-type": "multipart/form-data; boundary=xyz"}
    assert_error(
        client.post(url, content=b"--abc\r\nnonsense", headers=headers | broken), 400, "malformed_request"
    )
    missing = client.post(url, files={"file": ("d.csv", b"a,b\n1,2\n")}, headers=headers)
    assert "'target'" in assert_error(missing, 422, "invalid_request")["detail"]
    assert count_rows(engine, Dataset) == 0
    assert stored_files(settings) == []


def test_an_oversized_upload_is_refused_whole(
    tmp_path: Path, database_url: str, engine: Engine, headers: dict[str, str]
) -> None:
    # 100 kB: the 125 kB example passes the request-size gate (limit + multipart room) but not the store's.
    settings = Settings(home=tmp_path / "home", database_url=database_url, max_upload_mb=0.1)
    with running_api(settings) as client:
        project_id = make_project(client, headers)["id"]
        body = assert_error(upload(client, headers, project_id), 413, "file_too_large")
        assert "READINESS_MAX_UPLOAD_MB" in body["detail"]
        big = BREAST_CANCER.read_bytes() * 3  # over the request-size gate: refused before it is read
        body = assert_error(upload(client, headers, project_id, content=big), 413, "file_too_large")
        assert "READINESS_MAX_UPLOAD_MB" in body["detail"]
        # Sent in chunks with no declared length: counted as it arrives and cut off at the gate.
        chunked = client.post(
            f"{API}/projects/{project_id}/datasets",
            content=_multipart_chunks(big),
            headers=headers | {"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert_error(chunked, 413, "file_too_large")
    assert count_rows(engine, Dataset) == 0
    assert stored_files(settings) == []


def test_unknown_and_malformed_ids_are_404(
    client: TestClient, headers: dict[str, str], engine: Engine, settings: Settings
) -> None:
    for project_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        assert_error(upload(client, headers, project_id), 404, "not_found")
        assert_error(client.get(f"{API}/projects/{project_id}/datasets", headers=headers), 404, "not_found")
    assert_error(client.get(f"{API}/datasets/12345", headers=headers), 404, "not_found")
    assert count_rows(engine, Dataset) == 0
    assert stored_files(settings) == []


def test_errors_name_the_uploaded_file_not_where_it_is_stored(
    client: TestClient, headers: dict[str, str]
) -> None:
    project = make_project(client, headers)
    answer = client.post(
        f"{API}/projects/{project['id']}/datasets",
        files={"file": ("my_customers.csv", BREAST_CANCER.read_bytes(), "text/csv")},
        data={"target": "churn"},
        headers=headers,
    )
    assert answer.status_code == 422
    assert "my_customers.csv" in answer.json()["detail"]
