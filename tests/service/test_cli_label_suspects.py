"""`readiness assess --label-suspects-out`: the terminal shows the label-noise section and the file holds
the rows most likely mislabelled, with the row numbers of the user's file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from service.cli.main import main

BREAST_CANCER = Path(__file__).resolve().parents[2] / "examples" / "breast_cancer.csv"


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))


def test_assess_writes_the_label_suspects_of_a_noisy_file(tmp_path: Path) -> None:
    frame = pd.read_csv(BREAST_CANCER)
    rng = np.random.default_rng(5)
    flipped = rng.choice(len(frame), 57, replace=False)  # 10% of the labels swapped
    swap = {"malignant": "benign", "benign": "malignant"}
    frame.loc[flipped, "diagnosis"] = frame.loc[flipped, "diagnosis"].map(swap)
    data, suspects_out, json_out = tmp_path / "noisy.csv", tmp_path / "suspects.csv", tmp_path / "report.json"
    frame.to_csv(data, index=False)

    result = CliRunner().invoke(
        main,
        [
            "assess", str(data), "--target", "diagnosis", "--no-deep", "--no-learning-curve",
            "--resamples", "200", "--json-out", str(json_out), "--label-suspects-out", str(suspects_out),
        ],
        terminal_width=160,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Label noise" in result.output and "Estimated wrong labels" in result.output
    report = json.loads(json_out.read_text())
    with suspects_out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(report["label_noise"]["suspects"]) > 0
    # The rows are the file's: most are the ones we swapped, and each carries the label the file has.
    numbers = [int(r["row"]) for r in rows]
    assert np.isin(numbers, flipped).mean() >= 0.6
    assert np.isin(numbers[:20], flipped).mean() >= 0.9  # the most likely ones first
    for r in rows:
        assert r["given_label"] == frame.loc[int(r["row"]), "diagnosis"] != r["suggested_label"]
