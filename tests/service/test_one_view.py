"""One install, one view: what `readiness assess` recorded is what the key and link `serve` prints show."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from service.cli import serve as serve_module
from service.cli.main import main
from service.settings import Settings
from tests.factories import churn_frame, write_csv
from tests.service.test_api_harness import API


def test_the_key_serve_prints_lists_the_projects_assess_recorded(
    settings: Settings, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(settings.home))
    data = write_csv(churn_frame(300, seed=1), tmp_path, "churn.csv")
    ran = CliRunner().invoke(
        main,
        ["assess", str(data), "--target", "churned", "--positive", "yes", "--project", "churn before serve", "--no-deep",
         "--no-learning-curve", "--resamples", "200", "--quiet"],
    )
    assert ran.exit_code == 0, ran.output

    started: dict[str, Any] = {}
    monkeypatch.setattr(serve_module.uvicorn, "run", lambda app, **kw: started.update(app=app))
    serve_module.serve(settings, host="127.0.0.1", port=8123, with_worker=False)
    out = capsys.readouterr().out
    assert "team 'local'" in out
    key = re.search(r"^\s+(rdy_\S+)$", out, re.M).group(1)  # type: ignore[union-attr]
    token = re.search(r"/login/(\S+)$", out, re.M).group(1)  # type: ignore[union-attr]

    with TestClient(started["app"], follow_redirects=False) as client:
        projects = client.get(f"{API}/projects", headers={"Authorization": f"Bearer {key}"}).json()
        assert [p["name"] for p in projects["data"]] == ["churn before serve"]
        (project,) = projects["data"]
        assessments = client.get(
            f"{API}/projects/{project['id']}/assessments", headers={"Authorization": f"Bearer {key}"}
        ).json()
        assert [a["status"] for a in assessments["data"]] == ["succeeded"]
        assert client.get(f"/login/{token}").status_code == 303
        assert "churn before serve" in client.get("/projects").text
