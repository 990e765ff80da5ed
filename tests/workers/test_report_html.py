"""The HTML report: self-contained, well-formed, escaped, and tolerant of missing parts."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from workers.report import charts
from workers.report.html import (
    format_ci,
    format_delta,
    format_p,
    format_percent,
    format_seconds,
    render_html,
)

FIXTURES = Path(__file__).parent / "fixtures"
INLINE = {"a", "abbr", "code", "em", "meter", "span", "strong", "time"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
XSS = "<script>alert(1)</script>"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"report_{name}.json").read_text(encoding="utf-8"))


class Page(HTMLParser):
    """Parses a page once: its text, every element with its attributes, and any tag that does not balance."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.mismatches: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()
        self.text = " ".join("".join(self.chunks).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), tuple(self.stack)))
        if tag not in INLINE:
            self.chunks.append(" ")  # text of two cells or two SVG labels must not run together
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), tuple(self.stack)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.mismatches.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "style" not in self.stack:
            self.chunks.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a, _ in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def inside_svg(self, svg_id: str, tag: str) -> list[dict[str, str | None]]:
        """Elements `tag` inside the <svg id=svg_id>, found by the element's ancestors."""
        svgs = [i for i, (t, a, _) in enumerate(self.elements) if t == "svg" and a.get("id") == svg_id]
        assert len(svgs) == 1, f"expected one svg#{svg_id}, found {len(svgs)}"
        depth = len(self.elements[svgs[0]][2])
        out = []
        for t, a, ancestors in self.elements[svgs[0] + 1 :]:
            if len(ancestors) <= depth:
                break
            if t == tag:
                out.append(a)
        return out


def assert_well_formed(html: str) -> Page:
    page = Page(html)
    assert page.mismatches == []
    assert page.stack == []
    return page


def assert_offline(html: str, page: Page) -> None:
    lowered = html.lower()
    for needle in (
        "http://",
        "https://",
        "<script",
        "@import",
        "url(",
        "<link",
        "<img",
        "<iframe",
        "<object",
    ):
        assert needle not in lowered, f"{needle!r} in the page"
    for tag, attrs, _ in page.elements:
        for name, value in attrs.items():
            assert name not in {
                "src",
                "srcset",
                "xlink:href",
                "action",
                "formaction",
                "poster",
                "background",
            }, tag
            if name == "href":
                assert value is not None and value.startswith("#"), f"<{tag} href={value!r}>"
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"


# ------------------------------------------------------------------------------------------ fixtures


@pytest.mark.parametrize("name", ["binary", "multiclass"])
def test_fixture_renders_offline_and_well_formed(name: str) -> None:
    report = load(name)
    html = render_html(report)
    page = assert_well_formed(html)
    assert html.startswith("<!doctype html>")
    assert_offline(html, page)
    assert report["verdict"]["summary"] in page.text
    assert page.find("style"), "the stylesheet is inlined"


@pytest.mark.parametrize("name", ["binary", "multiclass"])
def test_every_chart_is_an_accessible_image(name: str) -> None:
    page = Page(render_html(load(name)))
    svgs = page.find("svg")
    assert svgs
    for svg in svgs:
        svg_id = str(svg["id"])
        assert svg["role"] == "img"
        assert svg["aria-labelledby"] == f"{svg_id}-title {svg_id}-desc"
        assert page.inside_svg(svg_id, "title") and page.inside_svg(svg_id, "desc")
        assert page.inside_svg(svg_id, "g") and any(
            g.get("class") == "legend" for g in page.inside_svg(svg_id, "g")
        )


def test_tables_have_captions_and_scoped_headers() -> None:
    html = render_html(load("binary"))
    page = Page(html)
    assert html.count("<table") == html.count("<caption") > 4
    assert all(th.get("scope") in {"col", "row"} for th in page.find("th"))
    headings = [t for t, _, _ in page.elements if t in {"h1", "h2", "h3", "h4"}]
    assert headings.count("h1") == 1 and headings[0] == "h1"


def test_roc_and_pr_charts_have_one_series_per_model() -> None:
    report = load("binary")
    page = Page(render_html(report))
    names = [m["name"] for m in report["models"]]
    for chart in ("chart-roc", "chart-pr"):
        paths = [p for p in page.inside_svg(chart, "path") if p.get("class") == "series"]
        assert [p["data-series"] for p in paths] == names
    # The chance diagonal is drawn, but not as a series a test would count as a model.
    assert any(line.get("class") == "reference" for line in page.inside_svg("chart-roc", "line"))


def test_ci_format_in_page_and_helpers() -> None:
    assert format_ci({"value": 0.912, "ci_low": 0.897, "ci_high": 0.925}) == "0.912 [0.897, 0.925]"
    assert format_ci({"value": 0.9, "ci_low": None, "ci_high": 0.95}) == "0.900"
    assert format_ci(None) == "—"
    page = Page(render_html(load("binary")))
    assert "XGBoost best baseline baseline ok" in page.text
    assert "0.912 [0.897, 0.925]" in page.text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0004, "<0.001"), (0.001, "0.00100"), (0.2142, "0.214"), (0.05, "0.0500"), (None, "—")],
)
def test_p_values_have_three_significant_digits(value: float | None, text: str) -> None:
    assert format_p(value) == text


def test_seconds_percentages_and_deltas() -> None:
    assert format_seconds(131.94) == "131.9 s"
    assert format_percent(0.2041) == "20.4%"
    assert format_percent(float("nan")) == "—"
    assert format_delta(0.031) == "+0.031"
    assert format_delta(-0.004) == "−0.004"


def test_header_shows_verdict_and_shortened_hash() -> None:
    report = load("binary")
    html = render_html(report)
    page = Page(html)
    sha = report["dataset"]["sha256"]
    assert page.find("code", title=sha)
    assert f"{sha[:12]}…" in page.text
    assert "Simple model is good enough" in page.text
    assert page.text.index("Simple model is good enough") < page.text.index("Readiness by criterion")


def test_delong_line_and_test_budget() -> None:
    text = Page(render_html(load("binary"))).text
    assert "ΔROC-AUC −0.004, DeLong p = 0.214" in text
    assert "Test split looked at 1 of 3 times" in text


def test_errors_come_first_and_leakage_is_flagged() -> None:
    text = Page(render_html(load("binary"))).text
    assert text.index("Errors (1)") < text.index("Warnings (2)") < text.index("Information (3)")
    assert "Leakage Label leakage in cancellation_date" in text


def test_readiness_marks_unassessed_criteria() -> None:
    report = load("binary")
    page = Page(render_html(report))
    assert "Reuse not assessed" in page.text
    bars = [r for r in page.inside_svg("chart-readiness", "rect") if r.get("data-bar")]
    assert [b["data-bar"] for b in bars] == ["Dataset", "Reuse", "Feasibility", "Payoff", "Fault tolerance"]
    assert "missing" in str(bars[1]["class"])


def test_deep_diagnostics_show_every_check() -> None:
    page = Page(render_html(load("binary")))
    for chart in ("chart-lr-range", "chart-loss", "chart-val-auc", "chart-gradients"):
        assert page.inside_svg(chart, "path"), chart
    assert "Overfit check: Passed" in page.text
    assert "chosen 0.001" in page.text
    assert "best epoch 16" in page.text
    assert "No layer has vanishing or exploding gradients" in page.text
    assert "He (Kaiming) normal" in page.text
    assert "412,500 rows/s" in page.text
    series = [
        p["data-series"] for p in page.inside_svg("chart-gradients", "path") if p.get("class") == "series"
    ]
    assert len(series) == 8


def test_gradient_flags_are_shown() -> None:
    report = load("binary")
    grads = report["models"][3]["diagnostics"]["gradient_norms"]
    grads["vanishing"] = ["blocks.0.linear_first"]
    grads["exploding"] = ["head.linear"]
    text = Page(render_html(report)).text
    assert "Vanishing gradients in blocks.0.linear_first" in text
    assert "Exploding gradients in head.linear" in text
    assert "head.linear (exploding)" in text  # in the chart's legend


def test_learning_curves_have_measured_dots_and_one_fitted_line_per_model() -> None:
    report = load("binary")
    page = Page(render_html(report))
    names = [m["name"] for m in report["learning_curves"]["models"]]
    lines = [p for p in page.inside_svg("chart-learning-curves", "path") if p.get("class") == "series"]
    assert [p["data-series"] for p in lines] == names
    dots = [g for g in page.inside_svg("chart-learning-curves", "g") if g.get("class") == "points"]
    assert [g["data-series"] for g in dots] == names
    assert len(page.inside_svg("chart-learning-curves", "circle")) >= 8  # four measured points per model
    for sentence in report["learning_curves"]["sentences"]:
        assert sentence in page.text
    assert "0.926 (6,000)" in page.text  # XGBoost's own model: the 100% column of the table
    assert page.find("a", href="#learning") and page.find("a", href="#history")  # in the table of contents


def test_history_sentences_and_similar_datasets() -> None:
    report = load("binary")
    page = Page(render_html(report))
    for sentence in report["history"]["sentences"]:
        assert sentence in page.text
    assert "Similar past datasets (1)" in page.text and "upsell.csv" in page.text
    assert report["history"]["rule"] in page.text
    assert "No past assessments in this journal yet." in Page(render_html(load("multiclass"))).text
    assert not Page(render_html(load("multiclass"))).find("section", id="learning")  # skipped: None


def test_a_failed_learning_curve_point_is_shown_as_failed() -> None:
    report = load("binary")
    point = report["learning_curves"]["models"][1]["points"][0]
    point.update(status="failed", val_roc_auc=None, error="The overfit check failed.")
    page = assert_well_formed(render_html(report))
    assert "ResNet MLP at 10.0% failed: The overfit check failed." in page.text


def test_failed_deep_model_shows_its_error_instead_of_charts() -> None:
    report = load("multiclass")
    page = Page(render_html(report))
    assert "The deep model failed" in page.text
    assert report["models"][3]["error"] in page.text
    assert "Overfit check: Failed" in page.text
    assert not page.find("svg", id="chart-loss")
    assert not page.find("svg", id="chart-roc")
    assert "No ROC or PR curves" in page.text


# ------------------------------------------------------------------------------------------ hostile input


def test_untrusted_text_is_escaped_everywhere() -> None:
    report = load("binary")
    report["dataset"]["column_profiles"][0]["name"] = XSS
    report["dataset"]["excluded_columns"][0]["name"] = XSS
    report["dataset"]["source"] = XSS
    report["checks"][0]["columns"] = [XSS]
    report["checks"][0]["message"] = f'"><img src=x onerror=alert(1)> {XSS}'
    report["models"][0]["name"] = f'{XSS}" data-x="'
    report["verdict"]["summary"] = XSS
    report["readiness"]["criteria"]["payoff"]["findings"] = [XSS]
    report["timings"][XSS] = 1.0
    report["learning_curves"]["sentences"] = [XSS]
    report["learning_curves"]["models"][0]["name"] = XSS
    report["history"]["sentences"] = [XSS]
    report["history"]["similar"][0]["dataset_name"] = XSS
    html = render_html(report)
    page = assert_well_formed(html)
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert_offline(html, page)
    assert not page.find("img") and not page.find("script")
    # The model name reaches the SVG as an attribute: escaped, it stays one attribute value.
    roc = [p["data-series"] for p in page.inside_svg("chart-roc", "path") if p.get("class") == "series"]
    assert roc[0] == f'{XSS}" data-x="'
    assert XSS in page.text  # shown to the reader as text


# ------------------------------------------------------------------------------------------ missing parts


def _without_deep(report: dict[str, Any]) -> None:
    report["models"] = [m for m in report["models"] if m["family"] != "deep"]
    report["comparison"].update(deep=None, delta_roc_auc=None, delong_p_value=None)


def _without_curves(report: dict[str, Any]) -> None:
    for m in report["models"]:
        m["curves"] = None


def _without_readiness(report: dict[str, Any]) -> None:
    del report["readiness"]


def _bare_deep_diagnostics(report: dict[str, Any]) -> None:
    report["models"][3]["diagnostics"] = {
        "lr_range_test": None,
        "epochs": [],
        "overfit_check": {"skipped": True},
    }


def _only_dataset(report: dict[str, Any]) -> None:
    for key in ("checks", "split", "readiness", "models", "comparison", "verdict", "test_budget", "timings"):
        report.pop(key)


def _sparse_learning_curves(report: dict[str, Any]) -> None:
    # Everything the report model allows to be missing, missing. (What it does not allow, e.g. text where a
    # list belongs, no writer produces: `test_a_report_that_breaks_the_model_is_refused`.)
    report["learning_curves"]["models"][0] = {"name": None, "points": [{"train_fraction": None}, {}]}
    report["learning_curves"]["models"][1]["fitted_curve"] = {"n_train": [], "val_roc_auc": [None]}
    report["history"] = {"sentences": [], "similar": []}


def _nulls_everywhere(report: dict[str, Any]) -> None:
    report["models"][0]["test"] = None
    report["models"][1]["status"] = "skipped"
    report["models"][1]["error"] = None
    report["models"][2]["fit_seconds"] = None
    report["readiness"]["overall"] = None
    report["readiness"]["criteria"] = {}
    report["dataset"]["column_profiles"] = []
    report["split"]["sizes"] = {}
    report["verdict"]["code"] = "something_new"


@pytest.mark.parametrize(
    "strip",
    [
        _without_deep,
        _without_curves,
        _without_readiness,
        _bare_deep_diagnostics,
        _only_dataset,
        _sparse_learning_curves,
        _nulls_everywhere,
    ],
)
def test_missing_optional_parts_render(strip: Any) -> None:
    report = copy.deepcopy(load("binary"))
    strip(report)
    html = render_html(report)
    page = assert_well_formed(html)
    assert_offline(html, page)


def test_without_deep_model_or_curves() -> None:
    report = load("binary")
    _without_deep(report)
    _without_curves(report)
    page = Page(render_html(report))
    assert not page.find("section", id="deep")
    assert not page.find("section", id="curves")
    assert "No deep model to compare" in page.text


def test_empty_report_renders() -> None:
    html = render_html({})
    assert_well_formed(html)
    assert "no verdict yet" in html


def test_a_report_that_breaks_the_model_is_refused() -> None:
    report = load("binary")
    report["history"]["sentences"] = "not a list"
    with pytest.raises(ValidationError, match=r"history\.sentences"):
        render_html(report)


def test_rejects_a_report_that_is_not_a_mapping() -> None:
    with pytest.raises(TypeError, match="mapping"):
        render_html([])  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ charts


def test_line_chart_without_data_says_so() -> None:
    for series in ([], [charts.Series("a", [], [])], [charts.Series("a", [1, 2], [None, float("nan")])]):
        svg = charts.line_chart(series, title="Loss", x_label="epoch", y_label="loss")
        page = assert_well_formed(svg)
        assert "No data to plot." in page.text
        assert page.find("svg", role="img")


def test_line_chart_leaves_gaps_and_skips_non_positive_values_on_log_axes() -> None:
    svg = charts.line_chart(
        [charts.Series("norm", [1, 2, 3, 4], [0.1, None, 0.0, 0.2])],
        title="Gradients",
        x_label="epoch",
        y_label="norm",
        y_log=True,
    )
    page = assert_well_formed(svg)
    (path,) = [p for p in page.find("path") if p.get("class") == "series"]
    assert str(path["d"]).count("M") == 2 and "L" not in str(path["d"])


def test_chart_text_is_escaped() -> None:
    svg = charts.line_chart(
        [charts.Series(XSS, [0, 1], [0, 1])],
        title=XSS,
        x_label=XSS,
        y_label="y & z",
        markers=[charts.Marker(0.5, XSS)],
    )
    assert XSS not in svg
    page = assert_well_formed(svg)
    assert not page.find("script")
    assert page.find("path", **{"data-series": XSS})


def test_many_series_cycle_colours_then_dashes() -> None:
    n = len(charts.PALETTE) + 1
    series = [charts.Series(f"s{i}", [0, 1], [i, i + 1]) for i in range(n)]
    page = Page(charts.line_chart(series, title="Many", x_label="x", y_label="y"))
    paths = [p for p in page.find("path") if p.get("class") == "series"]
    assert paths[0]["stroke"] == paths[-1]["stroke"] == charts.PALETTE[0]
    assert "stroke-dasharray" not in paths[0] and paths[-1]["stroke-dasharray"]


def test_points_only_series_draw_dots_without_a_line() -> None:
    svg = charts.line_chart(
        [
            charts.Series("m", [100, 1000], [0.7, 0.8], label="m, measured", draw="points"),
            charts.Series(
                "m", [100, 300, 1000, 4000], [0.7, 0.76, 0.8, 0.82], label="m, fitted", draw="line"
            ),
        ],
        title="Curve",
        x_label="rows",
        y_label="AUC",
        x_log=True,
    )
    page = assert_well_formed(svg)
    assert [p["data-series"] for p in page.find("path") if p.get("class") == "series"] == ["m"]
    assert [g["data-series"] for g in page.find("g") if g.get("class") == "points"] == ["m"]
    legend = [c for c in page.find("circle") if c.get("r") == str(charts.MEASURED_DOT_RADIUS)]
    assert len(legend) == 3  # two measured dots and the legend's dot


def test_log_axis_labels_decades() -> None:
    svg = charts.line_chart(
        [charts.Series("loss", [1e-6, 1e-4, 1e-2, 1.0], [0.7, 0.6, 0.3, 2.0])],
        title="LR",
        x_label="lr",
        y_label="loss",
        x_log=True,
    )
    text = Page(svg).text
    for label in ("10⁻⁶", "10⁻⁴", "10⁻²", "10⁰"):
        assert label in text


def test_bar_chart_marks_missing_scores_and_the_highlight() -> None:
    svg = charts.bar_chart(
        [charts.Bar("Dataset", 80), charts.Bar("Reuse", None), charts.Bar("Payoff", 40, highlight=True)],
        title="Criteria",
        x_label="score",
        highlight_label="weakest",
    )
    page = assert_well_formed(svg)
    assert "not assessed" in page.text and "weakest" in page.text
    fills = {r["data-bar"]: r["fill"] for r in page.find("rect") if r.get("data-bar")}
    assert fills == {"Dataset": charts.PALETTE[0], "Reuse": "none", "Payoff": charts.HIGHLIGHT_COLOUR}
    assert "Reuse: not assessed" in page.text
