"""Server-side SVG plots of a key result: a few lines and dots on a grid, written directly.

The SVG has no `<style>`, no `<script>` and no `style` attribute (the Content-Security-Policy
allows none): the dashboard's stylesheet colours it by its classes in light and dark mode
(`series serie-N color-N` for what a series shows, `guides`, `axis`, `dot`). Every number on
the page is also in a table beneath the plot, and every text written here is escaped.

Written by hand rather than with a charting library: the key-result page draws two plots per
request, and a general library spent most of the page's time building and serialising its
element tree, stylesheet and tooltip script only for them to be thrown away (see
docs/architecture.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from html import escape

FONT_PX = 13  # the size dash.css gives the plot's text; margins leave room for it
CHAR_PX = 0.62 * FONT_PX  # about the width of a digit or letter at that size
# Drawn 480 units wide: on a 390 px phone the text is still readable, on a desktop the plot is
# shown at most 760 px wide (dash.css).
WIDTH = 480
DOT_RADIUS = 3
SERIES = ("value", "from other tools", "target", "expected pace", "forecast")  # .color-0 … in dash.css

DAY = 86_400.0
X_LABELS = 5
_STEPS = (1.0, 2.0, 2.5, 5.0)

Points = Sequence[tuple[float, float]]


def _day(moment: datetime) -> float:
    """x as days since the epoch (the labels are dates again, `_date_label`)."""
    return moment.timestamp() / DAY


def _date_label(day: float) -> str:
    moment = datetime.fromtimestamp(day * DAY, tz=timezone.utc)
    return f"{moment.day} {moment:%b}"


def _points(points: Sequence[tuple[datetime, float]]) -> list[tuple[float, float]]:
    return [(_day(moment), float(value)) for moment, value in points]


def nice_ticks(low: float, high: float, *, most: int = 6) -> tuple[list[float], int]:
    """Round y labels covering low…high — at most `most`, a step of 1, 2, 2.5 or 5 times a power
    of ten — and the decimals they need."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high - low < 1e-9 * max(1.0, abs(high)):
        pad = max(1.0, abs(high) * 0.1)
        low, high = low - pad, high + pad
    power = 10.0 ** math.floor(math.log10((high - low) / most))
    for scale in (power, power * 10, power * 100):
        for mantissa in _STEPS:
            step = mantissa * scale
            first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
            if last - first + 1 <= most:
                decimals = max(0, -math.floor(math.log10(step) + 1e-9) + (1 if mantissa == 2.5 else 0))
                return [round(n * step, decimals) for n in range(first, last + 1)], decimals
    raise AssertionError("a step of a hundred times the span always fits")  # pragma: no cover


def _x_labels(first: float, last: float) -> list[float]:
    if last - first < 1:
        return [(first + last) / 2]
    step = (last - first) / (X_LABELS - 1)
    return [first + step * n for n in range(X_LABELS)]


class _Frame:
    """Where data lands in the drawing: x in days → units across, y → units down."""

    def __init__(self, xs: Sequence[float], y_ticks: list[float], labels: list[str], height: int) -> None:
        first, last = min(xs), max(xs)
        if last - first < 1:
            first, last = first - 1, last + 1
        self.first, self.last = first, last
        self.low, self.high = y_ticks[0], y_ticks[-1]
        self.left = 8 + CHAR_PX * max(len(label) for label in labels) + 6
        self.right = WIDTH - 3 * CHAR_PX - 4  # room for half the last date label
        self.top = FONT_PX * 0.6
        self.bottom = height - FONT_PX - 12

    def x(self, day: float) -> float:
        return self.left + (day - self.first) / (self.last - self.first) * (self.right - self.left)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def _svg(title: str, height: int, body: list[str]) -> str:
    label = escape(title)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="plot-svg" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-label="{label}"><title>{label}</title>{"".join(body)}</svg>')


def _plot(title: str, series: Sequence[tuple[int, Points, bool, bool]], *, height: int,
          y_range: tuple[float, float] | None = None, most_ticks: int = 6) -> str:
    """series: (colour number, points, draw a line, draw dots). Numbers are written with one
    decimal: a tenth of a unit of a 480-unit drawing, finer than a pixel."""
    xs = [x for _, points, _, _ in series for x, _ in points]
    ys = [y for _, points, _, _ in series for _, y in points]
    if not xs:
        return _svg(title, height, [f'<text class="no-data" x="{WIDTH / 2:.1f}" y="{height / 2:.1f}" '
                                    'text-anchor="middle">No values yet</text>'])
    low, high = y_range if y_range is not None else (min(ys), max(ys))
    ticks, decimals = nice_ticks(low, high, most=most_ticks)
    labels = [f"{tick:,.{decimals}f}" for tick in ticks]
    frame = _Frame(xs, ticks, labels, height)
    body = ['<g class="guides">']
    for tick, label in zip(ticks, labels):
        y = frame.y(tick)
        body.append(f'<path class="guide line" d="M{frame.left:.1f} {y:.1f}H{frame.right:.1f}"/>'
                    f'<text x="{frame.left - 6:.1f}" y="{y + FONT_PX * 0.35:.1f}" text-anchor="end">{label}</text>')
    body.append(f'</g><g class="axis"><path class="line" d="M{frame.left:.1f} {frame.top:.1f}V{frame.bottom:.1f}'
                f'H{frame.right:.1f}"/>')
    label_y = frame.bottom + FONT_PX + 6
    for day in _x_labels(min(xs), max(xs)):
        body.append(f'<text x="{frame.x(day):.1f}" y="{label_y:.1f}" text-anchor="middle">{escape(_date_label(day))}</text>')
    body.append("</g>")
    for colour, points, line, dots in series:
        drawn = [(frame.x(x), frame.y(y)) for x, y in points]
        body.append(f'<g class="series serie-{colour} color-{colour}">')
        if line and len(drawn) > 1:
            body.append('<path class="line" d="M' + "L".join(f"{x:.1f} {y:.1f}" for x, y in drawn) + '"/>')
        if dots or len(drawn) == 1:
            body.extend(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="{DOT_RADIUS}"/>' for x, y in drawn)
        body.append("</g>")
    return _svg(title, height, body)


def value_plot(*, title: str, values: Sequence[tuple[datetime, float]], other_tools: Sequence[tuple[datetime, float]],
               target: float, pace: Sequence[tuple[datetime, float]], forecast: Sequence[tuple[datetime, float]]
               ) -> tuple[str, list[tuple[int, str]]]:
    """The SVG, and its legend as (colour number, name) for the page to write in HTML (it wraps
    on a phone, where a legend inside the SVG would be clipped or tiny)."""
    span = [moment for moment, _ in (*values, *other_tools, *pace)]
    series = [(_points(values), True, True), (_points(other_tools), False, True),
              (_points([(min(span), target), (max(span), target)]) if span else [], True, False),
              (_points(pace), True, False), (_points(forecast), True, False)]
    # Each series keeps its colour and dash (dash.css) whichever others are empty.
    shown = [(index, points, line, dots) for index, (points, line, dots) in enumerate(series) if points]
    return _plot(title, shown, height=280), [(index, SERIES[index]) for index, *_rest in shown]


def confidence_plot(*, title: str, confidences: Sequence[tuple[datetime, int]]) -> str:
    return _plot(title, [(0, _points(confidences), True, True)], height=190, y_range=(0, 10))
