"""Where the report first uses ROC-AUC, PR-AUC and the test budget, one line explains each in plain words."""

from __future__ import annotations

import json
from pathlib import Path

from workers.report.html import render_html

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_html_report_explains_its_terms_before_the_first_table() -> None:
    page = render_html(json.loads((FIXTURES / "report_binary.json").read_text(encoding="utf-8")))

    glossary = page.index('class="note glossary"')
    assert glossary < page.index('id="models"') and glossary < page.index('id="readiness"')
    line = page[glossary : page.index("</p>", glossary)]
    assert "<dfn>ROC-AUC</dfn>: the chance that the model ranks a randomly picked positive above" in line
    assert "<dfn>PR-AUC</dfn>: the average precision over all recall levels" in line
    assert "<dfn>Test budget</dfn>: how many times the held-out test split may be looked at" in line
