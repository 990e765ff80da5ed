"""Charts as inline SVG strings, drawn in Python so that a report renders offline with no script.

Every function here is pure: data in, an `<svg>` string out. The SVG is meant to be embedded in an
HTML page, so it carries no `xmlns` (HTML parsers put `<svg>` in the SVG namespace by themselves, and a
namespace URL would be the only "http://" on an otherwise offline page). All text is escaped here, so
callers may mark the result safe in a template.

Each chart is an accessible image: `role="img"` labelled by its `<title>` and `<desc>`, where the
description summarises the data in words for screen readers. Lines carry `class="series"` and
`data-series="<name>"` so browser tests can find them; dots (`class="points"`) carry the same attribute.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

# Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies. Its yellow is left
# out: a thin yellow line on white is nearly invisible.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
)
# When there are more series than colours, the dash pattern tells the second round apart.
DASHES: tuple[str, ...] = ("", "7 4", "2 3", "9 3 2 3")
REFERENCE_COLOUR = "#6b6b6b"
HIGHLIGHT_COLOUR = PALETTE[1]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

FONT_SIZE = 13  # px in viewBox units; charts scale with their container
CHAR_WIDTH = 7.0  # rough average glyph width at FONT_SIZE, for layout without a font engine
LEGEND_ROW = 20  # px per legend row
POINT_MARKERS_UP_TO = 40  # short series also get dots, so that a single epoch is still visible
DOT_RADIUS = 2.5
MEASURED_DOT_RADIUS = 4.0  # a points-only series is measurements next to a fitted line: they must stand out

Draw = Literal["auto", "line", "points"]  # auto: a line, with dots while the series is short

_Scale = Callable[[float], float]  # data value -> SVG coordinate


@dataclass(frozen=True)
class Series:
    """One line: `x[i]`, `y[i]` pairs; a None or non-finite value leaves a gap."""

    name: str
    x: Sequence[float | None]
    y: Sequence[float | None]
    colour: str | None = None  # None: the palette colour for the series' position
    dashed: bool = False
    label: str | None = None  # legend text; defaults to `name`
    draw: Draw = "auto"  # "points": measurements shown as dots only, e.g. beside a fitted "line"


@dataclass(frozen=True)
class Marker:
    """A labelled reference line across the plot: vertical at x=value, or horizontal at y=value."""

    value: float
    label: str
    axis: Literal["x", "y"] = "x"


@dataclass(frozen=True)
class Bar:
    """One horizontal bar; a None value is drawn as "not assessed" rather than as zero."""

    label: str
    value: float | None
    highlight: bool = False


@dataclass(frozen=True)
class _Axis:
    lo: float
    hi: float
    log: bool
    ticks: tuple[float, ...]
    labels: tuple[str, ...]

    def fraction(self, v: float) -> float:
        if self.log:
            a, b, t = math.log10(self.lo), math.log10(self.hi), math.log10(v)
        else:
            a, b, t = self.lo, self.hi, v
        return (t - a) / (b - a) if b != a else 0.5


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_log: bool = False,
    y_log: bool = False,
    x_range: tuple[float | None, float | None] | None = None,
    y_range: tuple[float | None, float | None] | None = None,
    markers: Sequence[Marker] = (),
    diagonal: bool = False,
    description: str = "",
    width: int = 640,
    height: int = 360,
    chart_id: str | None = None,
) -> str:
    """An SVG line chart with axes, ticks, a legend and a text description.

    `x_range`/`y_range` fix the axis ends (either end may be None to fit it to the data); values
    outside are drawn at the plot's edge. `diagonal` draws the y = x chance line of a ROC plot.
    `height` is the plot's height with its axes; the legend adds rows below it.
    """
    cid = chart_id or _slug(title)
    points = [_finite_points(s, x_log, y_log) for s in series]
    markers = [m for m in markers if _plottable(m.value, x_log if m.axis == "x" else y_log)]
    if not any(points):
        return empty_chart(title=title, note="No data to plot.", width=width, chart_id=cid)

    drawn = [p for pts in points for p in pts if p is not None]
    xs = [p[0] for p in drawn] + [m.value for m in markers if m.axis == "x"]
    ys = [p[1] for p in drawn] + [m.value for m in markers if m.axis == "y"]
    integer_x = all(float(v).is_integer() for v in xs)
    x_axis = _axis(xs, x_range, log=x_log, integer=integer_x)
    y_axis = _axis(ys, y_range, log=y_log, integer=False)

    left, right, top = 72, width - 20, 40
    bottom = height - 56
    legend_items = [(_label(s), _colour(s, i), _dash(s, i), s.draw == "points") for i, s in enumerate(series)]
    legend_items += [(m.label, REFERENCE_COLOUR, "4 4", False) for m in markers]
    if diagonal:
        legend_items.append(("chance (random ranking)", REFERENCE_COLOUR, "4 4", False))
    legend_svg, legend_height = _legend(legend_items, x0=left, y0=height + 4, max_width=right - left)
    total_height = height + legend_height + 8

    def px(v: float) -> float:
        return left + _clamp(x_axis.fraction(v)) * (right - left)

    def py(v: float) -> float:
        return bottom - _clamp(y_axis.fraction(v)) * (bottom - top)

    parts = [
        _open_svg(
            cid, width, total_height, title, _describe(series, points, x_label, y_label, markers, description)
        )
    ]
    parts.append(_text(width / 2, 22, title, weight="600", size=FONT_SIZE + 2, anchor="middle"))
    parts.append(_axes_svg(x_axis, y_axis, left, right, top, bottom, px, py))
    parts.append(_text((left + right) / 2, height - 14, x_label, anchor="middle"))
    parts.append(
        _text(
            18,
            (top + bottom) / 2,
            y_label,
            anchor="middle",
            transform=f"rotate(-90 18 {(top + bottom) / 2:.1f})",
        )
    )
    if diagonal:
        lo = max(x_axis.lo, y_axis.lo)
        hi = min(x_axis.hi, y_axis.hi)
        parts.append(
            f'<line class="reference" x1="{px(lo):.1f}" y1="{py(lo):.1f}" '
            f'x2="{px(hi):.1f}" y2="{py(hi):.1f}" '
            f'stroke="{REFERENCE_COLOUR}" stroke-width="1.5" stroke-dasharray="4 4"/>'
        )
    for m in markers:
        parts.append(_marker_svg(m, px, py, left, right, top, bottom))
    for i, (s, pts) in enumerate(zip(series, points, strict=True)):
        parts.append(_series_svg(s, i, pts, px, py))
    parts.append(legend_svg)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    x_label: str,
    x_range: tuple[float, float] = (0.0, 100.0),
    highlight_label: str = "highlighted",
    description: str = "",
    width: int = 640,
    chart_id: str | None = None,
) -> str:
    """A horizontal bar chart, one row per bar, for scores on a fixed scale (0–100 by default)."""
    cid = chart_id or _slug(title)
    if not bars:
        return empty_chart(title=title, note="No data to plot.", width=width, chart_id=cid)

    row, top = 30, 40
    label_width = min(220.0, max(len(b.label) for b in bars) * CHAR_WIDTH + 16)
    left, right = label_width, width - 52
    bottom = top + row * len(bars)
    lo, hi = x_range
    axis = _Axis(lo, hi, False, *_linear_ticks(lo, hi, integer=True))

    legend_items = [("score", PALETTE[0], "", False)]
    if any(b.highlight for b in bars):
        legend_items.append((highlight_label, HIGHLIGHT_COLOUR, "", False))
    legend_svg, legend_height = _legend(legend_items, x0=left, y0=bottom + 44, max_width=right - left)
    total_height = bottom + 44 + legend_height + 8

    def px(v: float) -> float:
        return left + _clamp(axis.fraction(v)) * (right - left)

    words = "; ".join(f"{b.label}: {'not assessed' if b.value is None else _number(b.value)}" for b in bars)
    desc = " ".join(p for p in (description, f"Scores from {_number(lo)} to {_number(hi)}. {words}.") if p)
    parts = [_open_svg(cid, width, total_height, title, desc)]
    parts.append(_text(width / 2, 22, title, weight="600", size=FONT_SIZE + 2, anchor="middle"))
    for tick, text in zip(axis.ticks, axis.labels, strict=True):
        x = px(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#e2e2e2"/>')
        parts.append(_text(x, bottom + 16, text, anchor="middle", fill="#444"))
    parts.append(_text((left + right) / 2, bottom + 34, x_label, anchor="middle"))
    for i, b in enumerate(bars):
        y = top + i * row
        parts.append(_text(left - 8, y + row / 2 + 4, b.label, anchor="end"))
        if b.value is None or not math.isfinite(b.value):
            parts.append(
                f'<rect class="bar missing" data-bar="{escape(b.label)}" x="{left:.1f}" y="{y + 5}" '
                f'width="{right - left:.1f}" height="{row - 10}" fill="none" stroke="{REFERENCE_COLOUR}" '
                'stroke-dasharray="4 3"/>'
            )
            parts.append(_text(left + 8, y + row / 2 + 4, "not assessed", fill="#444", style="italic"))
            continue
        colour = HIGHLIGHT_COLOUR if b.highlight else PALETTE[0]
        x_end = px(b.value)
        parts.append(
            f'<rect class="bar" data-bar="{escape(b.label)}" x="{left:.1f}" y="{y + 5}" '
            f'width="{max(x_end - left, 1.0):.1f}" height="{row - 10}" fill="{colour}"/>'
        )
        parts.append(_text(x_end + 6, y + row / 2 + 4, _number(b.value), weight="600"))
    parts.append(f'<line x1="{left:.1f}" y1="{top - 4}" x2="{left:.1f}" y2="{bottom}" stroke="#444"/>')
    parts.append(legend_svg)
    parts.append("</svg>")
    return "".join(parts)


HEATMAP_LABEL_CHARS = 18  # longer class names are cut with an ellipsis; the table beside has them whole
HEATMAP_MIN_CELL = 24.0  # px; 50 classes still fit a (scrolling) chart
HEATMAP_MAX_CELL = 110.0  # px; 3 classes do not fill a page


def confusion_heatmap(
    classes: Sequence[str],
    counts: Sequence[Sequence[int]],
    *,
    title: str,
    description: str = "",
    width: int = 640,
    chart_id: str | None = None,
) -> str:
    """A confusion matrix as a heatmap: a row per true class, a column per predicted class, each cell
    shaded by its share of its row (so a class's recall is its diagonal cell's shade, whatever its size)
    and labelled with its count and that share. Cells carry `class="cell"`, `data-true`, `data-predicted`
    and `data-count` so browser tests can find them."""
    cid = chart_id or _slug(title)
    k = len(classes)
    if k == 0 or len(counts) != k or any(len(row) != k for row in counts):
        return empty_chart(title=title, note="No confusion matrix to draw.", width=width, chart_id=cid)
    names = [_shorten(str(c), HEATMAP_LABEL_CHARS) for c in classes]
    label_width = min(180.0, max(len(n) for n in names) * CHAR_WIDTH + 40)
    left, top = label_width, 78.0
    cell = max(HEATMAP_MIN_CELL, min(HEATMAP_MAX_CELL, (width - left - 20) / k))
    right, bottom = left + cell * k, top + cell * k
    totals = [sum(row) for row in counts]

    diagonal = sum(counts[i][i] for i in range(k))
    total = sum(totals)
    words = "; ".join(
        f"{classes[i]}: {counts[i][i]} of {totals[i]} predicted right"
        + "".join(f", {n} as {classes[j]}" for j, n in enumerate(counts[i]) if j != i and n)
        for i in range(k)
    )
    desc = " ".join(
        p
        for p in (
            description,
            f"Rows: true class; columns: predicted class. {diagonal} of {total} "
            f"rows on the diagonal (predicted right). {words}.",
        )
        if p
    )
    parts = [_open_svg(cid, width, bottom + 24, title, desc)]
    parts.append(_text(width / 2, 22, title, weight="600", size=FONT_SIZE + 2, anchor="middle"))
    parts.append(_text((left + right) / 2, 44, "predicted class", anchor="middle", fill="#444"))
    parts.append(
        _text(
            14,
            (top + bottom) / 2,
            "true class",
            anchor="middle",
            fill="#444",
            transform=f"rotate(-90 14 {(top + bottom) / 2:.1f})",
        )
    )
    # A column label gets its cell's width, no more: wider ones would run into their neighbours.
    fits = max(3, int((cell - 8) / CHAR_WIDTH))
    for j, name in enumerate(names):
        parts.append(_text(left + (j + 0.5) * cell, top - 8, _shorten(name, fits), anchor="middle"))
    for i, name in enumerate(names):
        y = top + i * cell
        parts.append(_text(left - 8, y + cell / 2 + 4, name, anchor="end"))
        for j, n in enumerate(counts[i]):
            share = n / totals[i] if totals[i] else 0.0
            x = left + j * cell
            fill = _heat(share)
            parts.append(
                f'<rect class="cell" data-true="{escape(str(classes[i]))}" '
                f'data-predicted="{escape(str(classes[j]))}" data-count="{n}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{cell:.1f}" height="{cell:.1f}" fill="{fill}" stroke="#ffffff"/>'
            )
            ink = "#ffffff" if share > 0.5 else "#1a1a1a"  # dark cells need light text to be read
            if cell >= 44:
                parts.append(
                    _text(x + cell / 2, y + cell / 2, f"{n}", anchor="middle", weight="600", fill=ink)
                )
                parts.append(
                    _text(
                        x + cell / 2,
                        y + cell / 2 + 16,
                        f"{share:.0%}",
                        anchor="middle",
                        size=FONT_SIZE - 2,
                        fill=ink,
                    )
                )
            else:
                parts.append(
                    _text(
                        x + cell / 2, y + cell / 2 + 4, f"{n}", anchor="middle", size=FONT_SIZE - 3, fill=ink
                    )
                )
    parts.append(
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" '
        'fill="none" stroke="#444"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _heat(share: float) -> str:
    """White (0) to the palette's blue (1), linear in each channel: one hue, so colour-blind readers see
    the same order of shades."""
    share = _clamp(share)
    blue = (0x00, 0x72, 0xB2)
    r, g, b = (round(255 + (c - 255) * share) for c in blue)
    return f"#{r:02x}{g:02x}{b:02x}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def empty_chart(
    *, title: str, note: str = "No data to plot.", width: int = 640, chart_id: str | None = None
) -> str:
    """A placeholder with the chart's title and a note, so that missing data never breaks a page."""
    cid = chart_id or _slug(title)
    height = 120
    return (
        _open_svg(cid, width, height, title, note)
        + _text(width / 2, 22, title, weight="600", size=FONT_SIZE + 2, anchor="middle")
        + f'<rect x="1" y="36" width="{width - 2}" height="{height - 38}" fill="#f6f6f6" stroke="#ccc"/>'
        + _text(width / 2, 36 + (height - 38) / 2 + 5, note, anchor="middle", fill="#444", style="italic")
        + "</svg>"
    )


# ---------------------------------------------------------------------------------------------- helpers


def _open_svg(cid: str, width: float, height: float, title: str, desc: str) -> str:
    cid = escape(cid)
    return (
        f'<svg id="{cid}" class="chart" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'font-family="{escape(FONT)}" font-size="{FONT_SIZE}">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>'
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    weight: str = "400",
    size: int = FONT_SIZE,
    fill: str = "#1a1a1a",
    style: str = "normal",
    transform: str | None = None,
) -> str:
    # Only what differs from the defaults set on <svg>, to keep pages with many charts small.
    attrs = [f'x="{x:.1f}"', f'y="{y:.1f}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if weight != "400":
        attrs.append(f'font-weight="{weight}"')
    if size != FONT_SIZE:
        attrs.append(f'font-size="{size}"')
    if style != "normal":
        attrs.append(f'font-style="{style}"')
    if transform:
        attrs.append(f'transform="{transform}"')
    return f'<text {" ".join(attrs)} fill="{fill}">{escape(text)}</text>'


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return f"chart-{slug or 'untitled'}"


def _label(s: Series) -> str:
    return s.label if s.label is not None else s.name


def _colour(s: Series, i: int) -> str:
    return s.colour or PALETTE[i % len(PALETTE)]


def _dash(s: Series, i: int) -> str:
    if s.dashed:
        return DASHES[1]
    return DASHES[(i // len(PALETTE)) % len(DASHES)]


def _clamp(f: float) -> float:
    return min(1.0, max(0.0, f))


def _finite_points(s: Series, x_log: bool, y_log: bool) -> list[tuple[float, float] | None]:
    """The series as points, with None marking a gap; an all-gap series comes back empty."""
    out: list[tuple[float, float] | None] = []
    for x, y in zip(s.x or (), s.y or (), strict=False):
        if _plottable(x, x_log) and _plottable(y, y_log):
            out.append((float(x), float(y)))  # type: ignore[arg-type]  # _plottable checked the type
        else:
            out.append(None)
    return out if any(p is not None for p in out) else []


def _plottable(v: object, log: bool) -> bool:
    if v is None or isinstance(v, bool) or not isinstance(v, int | float):
        return False
    return math.isfinite(v) and (v > 0 or not log)


def _axis(
    values: Sequence[float], fixed: tuple[float | None, float | None] | None, *, log: bool, integer: bool
) -> _Axis:
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not log)]
    want_lo, want_hi = fixed if fixed is not None else (None, None)
    lo = want_lo if want_lo is not None else min(finite)
    hi = want_hi if want_hi is not None else max(finite)
    lo, hi = min(lo, hi), max(lo, hi)  # a fixed end on the wrong side of the data must not flip the axis
    if log:
        lo, hi = max(lo, 1e-300), max(hi, 1e-300)
        if lo >= hi:
            lo, hi = lo / 10, hi * 10
        ticks, _ = _log_ticks(lo, hi)
        # Ends the caller did not fix snap to whole decades, so that the outer ticks sit on the frame.
        lo = lo if want_lo is not None else min(lo, ticks[0])
        hi = hi if want_hi is not None else max(hi, ticks[-1])
        return _Axis(lo, hi, True, *_log_ticks(lo, hi))
    if lo >= hi:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    ticks, _ = _linear_ticks(lo, hi, integer=integer)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else (hi - lo)
    if want_lo is None:
        lo = math.floor(lo / step + 1e-9) * step
    if want_hi is None:
        hi = math.ceil(hi / step - 1e-9) * step
    return _Axis(lo, hi, False, *_linear_ticks(lo, hi, integer=integer))


def _linear_ticks(
    lo: float, hi: float, *, integer: bool, target: int = 5
) -> tuple[tuple[float, ...], tuple[str, ...]]:
    raw = (hi - lo) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    # The 1-2-5 step nearest to the raw one, so that an axis gets about `target` ticks.
    step = magnitude * next(
        m for bound, m in ((1.5, 1), (3.0, 2), (7.0, 5), (math.inf, 10)) if raw / magnitude < bound
    )
    if integer:
        step = max(1.0, round(step))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = [first + step * k for k in range(int((hi - first) / step + 1e-9) + 1)]
    ticks = [0.0 if abs(t) < step * 1e-9 else round(t, 12) for t in ticks]  # no "-0" or float dust
    # As many decimals as the step needs, so that every label is exact and all have the same width.
    decimals = next((d for d in range(5) if abs(round(step, d) - step) < step * 1e-6), None)
    if decimals is None:  # steps below 1e-4 read better in scientific notation
        return tuple(ticks), tuple(f"{t:.3g}" for t in ticks)
    return tuple(ticks), tuple(f"{t:,.{decimals}f}" for t in ticks)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _log_ticks(lo: float, hi: float) -> tuple[tuple[float, ...], tuple[str, ...]]:
    first, last = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
    every = max(1, math.ceil((last - first) / 8))  # at most ~8 decades labelled
    exponents = list(range(first, last + 1, every))
    # Plain numbers while they stay short; otherwise powers of ten for every label, not a mix of both.
    if all(-2 <= e <= 3 for e in exponents):
        labels = tuple(f"{10.0**e:g}" for e in exponents)
    else:
        labels = tuple("10" + str(e).translate(_SUPERSCRIPT) for e in exponents)
    return tuple(10.0**e for e in exponents), labels


def _axes_svg(
    x_axis: _Axis, y_axis: _Axis, left: float, right: float, top: float, bottom: float, px: _Scale, py: _Scale
) -> str:
    parts = ['<g class="axes">']
    for tick, text in zip(y_axis.ticks, y_axis.labels, strict=True):
        if not y_axis.lo - 1e-12 <= tick <= y_axis.hi + 1e-12:
            continue
        y = py(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e6e6e6"/>')
        parts.append(_text(left - 6, y + 4, text, anchor="end", fill="#444"))
    for tick, text in zip(x_axis.ticks, x_axis.labels, strict=True):
        if not x_axis.lo - 1e-12 <= tick <= x_axis.hi + 1e-12:
            continue
        x = px(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#efefef"/>')
        parts.append(_text(x, bottom + 17, text, anchor="middle", fill="#444"))
    parts.append(
        f'<path d="M{left},{top} V{bottom} H{right}" fill="none" stroke="#444" stroke-width="1"/></g>'
    )
    return "".join(parts)


def _marker_svg(
    m: Marker, px: _Scale, py: _Scale, left: float, right: float, top: float, bottom: float
) -> str:
    style = f'stroke="{REFERENCE_COLOUR}" stroke-width="1.5" stroke-dasharray="4 4"'
    if m.axis == "x":
        x = px(m.value)
        anchor = "end" if x > (left + right) / 2 else "start"
        dx = -4 if anchor == "end" else 4
        return (
            f'<g class="marker"><line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" {style}/>'
            + _text(x + dx, top + 14, m.label, anchor=anchor, fill="#333")
            + "</g>"
        )
    y = py(m.value)
    return (
        f'<g class="marker"><line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" {style}/>'
        + _text(right - 4, y - 5, m.label, anchor="end", fill="#333")
        + "</g>"
    )


def _series_svg(s: Series, i: int, pts: list[tuple[float, float] | None], px: _Scale, py: _Scale) -> str:
    colour, dash = _colour(s, i), _dash(s, i)
    commands: list[str] = []
    pen_down = False
    for p in pts:
        if p is None:
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{px(p[0]):.1f},{py(p[1]):.1f}")
        pen_down = True
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    name = escape(s.name)
    out = []
    if s.draw != "points":
        out.append(
            f'<path class="series" data-series="{name}" d="{" ".join(commands)}" fill="none" stroke="{colour}" '
            f'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"{dash_attr}/>'
        )
    drawn = [p for p in pts if p is not None]
    if s.draw == "points" or (s.draw == "auto" and len(drawn) <= POINT_MARKERS_UP_TO):
        radius = MEASURED_DOT_RADIUS if s.draw == "points" else DOT_RADIUS
        out.append(f'<g class="points" data-series="{name}" fill="{colour}">')
        out.extend(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="{radius}"/>' for x, y in drawn)
        out.append("</g>")
    return "".join(out)


def _legend(
    items: list[tuple[str, str, str, bool]], *, x0: float, y0: float, max_width: float
) -> tuple[str, int]:
    """Legend entries (text, colour, dash, dots only) laid out left to right, wrapping to new rows; returns
    the SVG and its height."""
    if not items:
        return "", 0
    parts = ['<g class="legend">']
    x, row = x0, 0
    for text, colour, dash, dots in items:
        item_width = 30 + len(text) * CHAR_WIDTH + 18
        if x > x0 and x + item_width > x0 + max_width:
            x, row = x0, row + 1
        y = y0 + row * LEGEND_ROW + LEGEND_ROW / 2
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if dots:
            parts.append(
                f'<circle cx="{x + 12:.1f}" cy="{y:.1f}" r="{MEASURED_DOT_RADIUS}" fill="{colour}"/>'
            )
        else:
            parts.append(
                f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 24:.1f}" y2="{y:.1f}" stroke="{colour}" '
                f'stroke-width="3"{dash_attr}/>'
            )
        parts.append(_text(x + 30, y + 4, text))
        x += item_width
    parts.append("</g>")
    return "".join(parts), (row + 1) * LEGEND_ROW


def _number(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.3g}"


def _describe(
    series: Sequence[Series],
    points: list[list[tuple[float, float] | None]],
    x_label: str,
    y_label: str,
    markers: Sequence[Marker],
    description: str,
) -> str:
    """A sentence-per-series summary: what a sighted reader takes in at a glance."""
    sentences = [description] if description else []
    sentences.append(f"X axis: {x_label}. Y axis: {y_label}.")
    for s, pts in zip(series, points, strict=True):
        drawn = [p for p in pts if p is not None]
        if not drawn:
            sentences.append(f"{_label(s)}: no data.")
            continue
        ys = [p[1] for p in drawn]
        sentences.append(
            f"{_label(s)}: {len(drawn)} points, {y_label} from {_number(min(ys))} to {_number(max(ys))}, "
            f"last {_number(ys[-1])} at {x_label} {_number(drawn[-1][0])}."
        )
    sentences.extend(f"Marked: {m.label}." for m in markers)
    return " ".join(sentences)
