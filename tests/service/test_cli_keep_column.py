"""`readiness assess --keep-column`, as the leakage message tells a user to run it, changes the outcome.

scikit-learn's wine data, class 0 against the rest: `proline`, a real measurement, alone reaches AUC 0.984
and is called a leak. The message suggests `--keep-column proline`; before issue 10 the column was then
used but the verdict and the message stayed the same (`fix_data_first`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.datasets import load_wine

from service.cli.main import main
from tests.factories import write_csv


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))
    return database_url


def _assess(path: Path, json_out: Path, *extra: str) -> tuple[str, dict]:
    args = [
        "assess",
        str(path),
        "--target",
        "class_0",
        "--no-deep",
        "--no-learning-curve",
        "--resamples",
        "100",
    ]
    result = CliRunner().invoke(main, [*args, "--json-out", str(json_out), *extra])
    assert result.exit_code == 0, result.output
    return result.output, json.loads(json_out.read_text())


def test_following_the_keep_column_advice_changes_the_verdict(tmp_path: Path) -> None:
    wine = load_wine(as_frame=True)
    path = write_csv(wine.data.assign(class_0=np.where(wine.target == 0, "yes", "no")), tmp_path, "wine.csv")

    output, report = _assess(path, tmp_path / "before.json")
    assert report["verdict"]["code"] == "fix_data_first"
    leak = next(f for f in report["checks"] if f["check"] == "label_leakage")
    advice = re.findall(r"--keep-column (\S+?)(?=[\s).,;]|$)", leak["message"])
    assert advice == ["proline"]
    assert "--keep-column proline" in " ".join(output.split())  # the terminal shows the same advice

    output, kept = _assess(path, tmp_path / "after.json", "--keep-column", advice[0])
    assert kept["verdict"]["code"] != "fix_data_first"
    assert "proline" in kept["dataset"]["used_columns"]
    finding = next(f for f in kept["checks"] if f["check"] == "label_leakage")
    assert finding["severity"] == "info" and "Kept by you" in finding["message"]
    assert "Kept by you" in " ".join(output.split())
