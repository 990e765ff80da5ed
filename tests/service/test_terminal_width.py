"""The terminal report in an 80-column terminal: every model keeps its name and every line fits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from service.cli.terminal_report import render_report
from workers.report.model import Report

STORED = Path(__file__).resolve().parents[1] / "workers" / "fixtures" / "report_stored.json"


@pytest.mark.parametrize("width", [60, 72, 80, 100, 140])
def test_the_test_split_table_names_every_model_and_fits_the_terminal(width: int) -> None:
    report = Report.model_validate(json.loads(STORED.read_text()))
    console = Console(width=width, record=True, color_system=None)
    render_report(console, report)
    text = console.export_text()
    start = text.index("Test split")
    table = text[start : text.index("95% intervals", start)]
    for model in report.models:
        assert model.name is not None
        # A name may wrap inside its cell, but each of its words is there.
        for word in model.name.split():
            assert word in table, (width, model.name)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
