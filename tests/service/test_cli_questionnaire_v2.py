"""`readiness assess --answers` with questionnaire v2 answers: a share written "90%" is read, and the dataset
criterion quotes the stated size against the measured rows in the terminal and the JSON report alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.main import main
from tests.factories import churn_frame, write_csv

ANSWERS = """
dataset:
  labels_available: true
  data_kind: table
  labelled_examples: 2,000,000
  new_labels_per_month: 1000
feasibility:
  is_x_to_y_mapping: true
  target_value: 70%
"""


@pytest.fixture(autouse=True)
def isolated_service(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.setenv("READINESS_DATABASE_URL", database_url)
    monkeypatch.setenv("READINESS_HOME", str(tmp_path / "home"))


def test_assess_quotes_the_stated_size_against_the_measured_rows(tmp_path: Path) -> None:
    data = write_csv(churn_frame(300), tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    json_out = tmp_path / "report.json"

    result = CliRunner().invoke(
        main,
        [
            *("assess", str(data), "--target", "churned", "--positive", "yes", "--answers", str(answers)),
            *("--no-deep", "--resamples", "200", "--json-out", str(json_out)),
        ],
        env={"COLUMNS": "200"},
    )

    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())
    assert "You expect 2,000,000 labelled table rows; the uploaded data has 300 rows" in shown
    dataset = json.loads(json_out.read_text())["readiness"]["criteria"]["dataset"]
    stated = next(f for f in dataset["findings"] if f.startswith("You expect"))
    assert "6,667× fewer labelled examples than you expect" in stated
    assert any("doubling the 300 labelled examples takes about" in f for f in dataset["findings"])
