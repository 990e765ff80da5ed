"""`Client`: every route of the Readiness API as a typed method, over httpx.

It imports only httpx, pydantic and the standard library, so a notebook or a CI job can use it without the
server's dependencies (torch, scikit-learn, Postgres). Every refusal arrives as `ReadinessAPIError` with the
server's `code`, `detail` and `field`. Options of a request that the server validates in full (an
assessment's seed, a grid's ranges) pass through as keyword arguments rather than being re-declared here:
the server stays the one place that knows their bounds, and its 422 names the field.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel

from readiness_client.errors import ReadinessAPIError, RunFailed, WaitTimedOut
from readiness_client.models import (
    Assessment,
    Batch,
    Dataset,
    Experiment,
    Grid,
    Page,
    Project,
    Promotion,
    Split,
    TestLook,
)

API_PREFIX = "/api/v1"
M = TypeVar("M", bound=BaseModel)
Id = uuid.UUID | str
FileLike = str | Path | tuple[str, bytes]


class Client:
    """A session with one Readiness server, as one API key (its team and person).

    >>> with Client("http://127.0.0.1:8000", api_key="rk_…") as rd:
    ...     project = rd.create_project("churn")
    ...     data = rd.upload_dataset(project.id, "churn.csv", target="churned", positive="yes")
    ...     done = rd.wait(rd.submit_assessment(project.id, data.id).id, on_progress=print)
    ...     print(done.verdict["summary"])
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + API_PREFIX, headers=headers, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the server --------------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """{status, database, schema}; needs no key."""
        return self._json("GET", "/health")

    # -- projects ----------------------------------------------------------------------------------------
    def create_project(
        self,
        name: str,
        *,
        description: str | None = None,
        answers: Mapping[str, Any] | None = None,
        test_budget: int | None = None,
    ) -> Project:
        body = _without_none(name=name, description=description, answers=answers, test_budget=test_budget)
        return self._model(Project, "POST", "/projects", json=body)

    def projects(self, *, limit: int = 50, offset: int = 0) -> Page[Project]:
        return self._model(Page[Project], "GET", "/projects", params={"limit": limit, "offset": offset})

    def project(self, project_id: Id) -> Project:
        return self._model(Project, "GET", f"/projects/{project_id}")

    def update_project(
        self,
        project_id: Id,
        *,
        name: str | None = None,
        description: str | None = None,
        answers: Mapping[str, Any] | None = None,
    ) -> Project:
        """Only what is given changes; `answers` replaces the whole questionnaire."""
        body = _without_none(name=name, description=description, answers=answers)
        return self._model(Project, "PATCH", f"/projects/{project_id}", json=body)

    def score(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The readiness scores of a questionnaire alone, nothing recorded."""
        return self._json("POST", "/score", json={"answers": dict(answers)})

    # -- datasets, splits and the test budget ------------------------------------------------------------
    def upload_dataset(
        self, project_id: Id, file: FileLike, *, target: str, positive: str | None = None
    ) -> Dataset:
        """Upload a CSV/Parquet or a zip of images (a path, or (filename, bytes)); the answer has its profile and
        checks."""
        with ExitStack() as stack:
            files = {"file": _file_part(file, stack)}
            data = _without_none(target=target, positive=positive)
            return self._model(Dataset, "POST", f"/projects/{project_id}/datasets", files=files, data=data)

    def datasets(self, project_id: Id, *, limit: int = 50, offset: int = 0) -> Page[Dataset]:
        params = {"limit": limit, "offset": offset}
        return self._model(Page[Dataset], "GET", f"/projects/{project_id}/datasets", params=params)

    def dataset(self, dataset_id: Id) -> Dataset:
        return self._model(Dataset, "GET", f"/datasets/{dataset_id}")

    def splits(self, dataset_id: Id) -> Page[Split]:
        return self._model(Page[Split], "GET", f"/datasets/{dataset_id}/splits")

    def split(self, split_id: Id) -> Split:
        """A split with its test budget (limit, used, remaining) and the audit trail of raises."""
        return self._model(Split, "GET", f"/splits/{split_id}")

    def ledger(self, split_id: Id) -> Page[TestLook]:
        """Every look at the split's test part: who, when, why, which models, what they scored."""
        return self._model(Page[TestLook], "GET", f"/splits/{split_id}/ledger")

    def raise_budget(self, split_id: Id, *, new_limit: int, reason: str) -> Split:
        """Allow more test looks (admin keys only); the reason is kept in the audit trail."""
        body = {"new_limit": new_limit, "reason": reason}
        return self._model(Split, "POST", f"/splits/{split_id}/budget", json=body)

    # -- assessments -------------------------------------------------------------------------------------
    def submit_assessment(self, project_id: Id, dataset_id: Id, **options: Any) -> Assessment:
        """Queue an assessment; options as the API takes them (seed, device, keep_columns, max_epochs, …)."""
        body = {"dataset_id": str(dataset_id), **options}
        return self._model(Assessment, "POST", f"/projects/{project_id}/assessments", json=body)

    def assessment(self, assessment_id: Id) -> Assessment:
        return self._model(Assessment, "GET", f"/assessments/{assessment_id}")

    def assessments(self, project_id: Id, *, limit: int = 50, offset: int = 0) -> Page[Assessment]:
        params = {"limit": limit, "offset": offset}
        return self._model(Page[Assessment], "GET", f"/projects/{project_id}/assessments", params=params)

    def cancel_assessment(self, assessment_id: Id) -> Assessment:
        return self._model(Assessment, "POST", f"/assessments/{assessment_id}/cancel")

    def wait(
        self,
        assessment_id: Id,
        *,
        timeout: float | None = None,
        poll_seconds: float = 1.0,
        on_progress: Callable[[Assessment], None] | None = None,
        raise_on_failure: bool = True,
    ) -> Assessment:
        """Poll until the assessment ends; `on_progress` sees each new state (its `progress_info.message`
        is the progress in words). A failed one raises `RunFailed` with its error code, unless told not to."""
        return self._wait(
            "assessment", lambda: self.assessment(assessment_id), timeout, poll_seconds, on_progress,
            raise_on_failure,
        )

    # -- the lab journal ---------------------------------------------------------------------------------
    def create_experiment(self, dataset_id: Id, model_family: str, **options: Any) -> Experiment:
        """Queue one experiment (hypothesis, hyperparameters, seed, train_fraction, tags, …)."""
        body = {"dataset_id": str(dataset_id), "model_family": model_family, **options}
        return self._model(Experiment, "POST", "/experiments", json=body)

    def experiments(
        self,
        *,
        project_id: Id | None = None,
        dataset_id: Id | None = None,
        model_family: str | None = None,
        tag: str | None = None,
        kind: Literal["assessment", "single", "grid", "learning_curve"] | None = None,
        grid_id: Id | None = None,
        assessment_id: Id | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Experiment]:
        params = _without_none(
            project_id=project_id, dataset_id=dataset_id, model_family=model_family, tag=tag, kind=kind,
            grid_id=grid_id, assessment_id=assessment_id, limit=limit, offset=offset,
        )
        return self._model(Page[Experiment], "GET", "/experiments", params=params)

    def experiment(self, experiment_id: Id) -> Experiment:
        return self._model(Experiment, "GET", f"/experiments/{experiment_id}")

    def edit_experiment(
        self,
        experiment_id: Id,
        *,
        hypothesis: str | None = None,
        inference: str | None = None,
        tags: Iterable[str] | None = None,
    ) -> Experiment:
        body = _without_none(hypothesis=hypothesis, inference=inference, tags=list(tags) if tags else None)
        return self._model(Experiment, "PATCH", f"/experiments/{experiment_id}", json=body)

    def wait_experiment(
        self, experiment_id: Id, *, timeout: float | None = None, poll_seconds: float = 1.0
    ) -> Experiment:
        return self._wait(
            "experiment", lambda: self.experiment(experiment_id), timeout, poll_seconds, None, True
        )

    def journal(self, project_id: Id, *, format: Literal["markdown", "csv"] = "markdown") -> str:
        """The project's whole journal as Markdown (to read) or CSV (to analyse)."""
        return self._send("GET", f"/projects/{project_id}/journal", params={"format": format}).text

    # -- grids -------------------------------------------------------------------------------------------
    def create_grid(
        self, dataset_id: Id, model_family: str, grid: Mapping[str, Any] | None = None, **options: Any
    ) -> Grid:
        """Queue a grid: `grid` maps a hyperparameter to values, {"log_range": [lo, hi], "count": n} or
        {"range": …}; omitted, the family's default grid."""
        body = {"dataset_id": str(dataset_id), "model_family": model_family, **options}
        if grid is not None:
            body["grid"] = dict(grid)
        return self._model(Grid, "POST", "/grids", json=body)

    def grids(self, *, limit: int = 50, offset: int = 0) -> Page[Grid]:
        return self._model(Page[Grid], "GET", "/grids", params={"limit": limit, "offset": offset})

    def grid(self, grid_id: Id) -> Grid:
        """A grid with its leaderboard (ranked on validation; the promoted point's test result once promoted)."""
        return self._model(Grid, "GET", f"/grids/{grid_id}")

    def wait_grid(self, grid_id: Id, *, timeout: float | None = None, poll_seconds: float = 1.0) -> Grid:
        return self._wait("grid", lambda: self.grid(grid_id), timeout, poll_seconds, None, False)

    def promote(
        self,
        grid_id: Id,
        *,
        reason: str,
        experiment_id: Id | None = None,
        rank_by: Literal["ladder", "validation"] = "ladder",
    ) -> Promotion:
        """Spend one test look on a grid's point (default: the leaderboard's best)."""
        body = _without_none(reason=reason, experiment_id=experiment_id, rank_by=rank_by)
        return self._model(Promotion, "POST", f"/grids/{grid_id}/promote", json=body)

    def test_look(self, experiment_id: Id, *, reason: str) -> Experiment:
        """Spend one test look on a single experiment."""
        return self._model(Experiment, "POST", f"/experiments/{experiment_id}/test-look", json={"reason": reason})

    # -- batches -----------------------------------------------------------------------------------------
    def submit_batch(self, spec: FileLike, files: Iterable[FileLike] = ()) -> Batch:
        """Submit a batch file (YAML/JSON, docs/batches.md) with the files it names; checked whole first."""
        with ExitStack() as stack:
            parts = [("spec", _file_part(spec, stack))] + [("files", _file_part(f, stack)) for f in files]
            return self._model(Batch, "POST", "/batches", files=parts)

    def batches(self, *, limit: int = 50, offset: int = 0) -> Page[Batch]:
        return self._model(Page[Batch], "GET", "/batches", params={"limit": limit, "offset": offset})

    def batch(self, batch_id: Id) -> Batch:
        return self._model(Batch, "GET", f"/batches/{batch_id}")

    def wait_batch(self, batch_id: Id, *, timeout: float | None = None, poll_seconds: float = 1.0) -> Batch:
        """Poll until every item has ended; a failed item does not raise (read `items[i].error`)."""
        return self._wait("batch", lambda: self.batch(batch_id), timeout, poll_seconds, None, False)

    # -- plumbing ----------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        if response.is_error:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise ReadinessAPIError.from_body(response.status_code, body, response.text)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._send(method, path, **kwargs).json()

    def _model(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        return model.model_validate(self._json(method, path, **kwargs))

    def _wait(
        self,
        what: str,
        fetch: Callable[[], Any],
        timeout: float | None,
        poll_seconds: float,
        on_progress: Callable[[Any], None] | None,
        raise_on_failure: bool,
    ) -> Any:
        # No deadline by default: on a busy shared host an assessment may wait for a worker for a long time,
        # and giving up would not stop it anyway. A deadline the caller sets raises WaitTimedOut.
        deadline = None if timeout is None else time.monotonic() + timeout
        seen: tuple[Any, ...] | None = None
        while True:
            record = fetch()
            state = (record.status, getattr(record, "stage", None), getattr(record, "progress", None))
            if on_progress is not None and state != seen:
                on_progress(record)
            seen = state
            if record.finished:
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimedOut(what, record, timeout or 0.0)
            time.sleep(poll_seconds)
        error = getattr(record, "error", None)
        if raise_on_failure and record.status == "failed":
            code, detail = (error.code, error.detail or "") if error else ("failed", "no detail recorded")
            raise RunFailed(what.capitalize(), record, code, detail)
        return record


def _without_none(**fields: Any) -> dict[str, Any]:
    return {name: str(value) if isinstance(value, uuid.UUID) else value
            for name, value in fields.items() if value is not None}


def _file_part(file: FileLike, stack: ExitStack) -> tuple[str, Any]:
    if isinstance(file, tuple):
        name, content = file
        return name, content
    path = Path(file)
    return path.name, stack.enter_context(path.open("rb"))
