"""What the dashboard shows of a report, built by the downloadable HTML report's own view code.

The assessment page, the project page and the HTML report must never disagree on a number, a label or a
chart, so the dashboard does not re-derive them: it asks `workers.report.html` for the same view it
renders (its builders are module-private there; this module is their one caller outside it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workers.report import html as report_html
from workers.report.model import Finding, Readiness, Report


def results(report: Report | Mapping[str, Any]) -> dict[str, Any]:
    """The finished assessment's sections: verdict, model table, ROC and PR curves, deep diagnostics,
    readiness, checks, split and test budget (and learning curves, where the report's view has them)."""
    return report_html.report_view(report)


def readiness(scores: Readiness | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A project's five criteria (its stored scores, the report's `Readiness`) as a bar chart and as
    findings with recommendations."""
    return report_html.readiness_view(scores)


def findings(checks: Sequence[Finding | Mapping[str, Any]] | None) -> dict[str, list[Any]]:
    """A dataset's check findings: `leaks` (leakage errors and warnings, shown above everything, since
    they make every later number a lie) and `others` as (severity, finding), errors first."""
    leaks, others = [], []
    for group in report_html.check_groups(checks):
        for item in group["items"]:
            if item["leakage"] and group["severity"] in ("error", "warning"):
                leaks.append(item)
            else:
                others.append((group["severity"], item))
    return {"leaks": leaks, "others": others}


def verdict_label(code: str | None) -> tuple[str, str]:
    """(words, tone) for a verdict code, as the report's badge shows it."""
    if not code:
        return ("—", "neutral")
    return report_html.VERDICTS.get(code, (code.replace("_", " "), "neutral"))
