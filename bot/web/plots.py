"""Server-side SVG plots of a key result, drawn with pygal and made safe for a strict CSP.

pygal writes a `<style>` and a `<script>` into every chart, and a tooltip styled by a `style`
attribute; an XML filter (pygal's documented hook, `add_xml_filter`) takes them out before
the chart is written, and the dashboard's own stylesheet colours the chart by its classes
(`series serie-N color-N`, `guides`, `axis`) in light and dark mode. The page thus needs no
inline script or style. Every number is also in a table beneath the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone

import pygal
from pygal.style import Style

FONT_PX = 13  # the size dash.css gives the plot's text; pygal leaves room for labels this size
# Drawn 480 units wide: on a 390 px phone the text is still readable, on a desktop the plot is
# shown at most 760 px wide (dash.css).
WIDTH = 480
SERIES = ("value", "from other tools", "target", "expected pace", "forecast")  # .color-0 … in dash.css
NO_VALUES = "No values yet"

_LAYOUT = Style(label_font_size=FONT_PX, major_label_font_size=FONT_PX, legend_font_size=FONT_PX,
                value_font_size=FONT_PX, tooltip_font_size=FONT_PX, title_font_size=FONT_PX,
                no_data_font_size=FONT_PX)
# Elements only pygal's tooltip script or inline stylesheet use; `title`s below the root are
# tooltips too (the root's title names the plot).
_DROPPED = {"style", "script", "desc", "title"}

DAY = 86_400.0
X_LABELS = 5
_STEPS = (1.0, 2.0, 2.5, 5.0)


def _local_name(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _for_strict_csp(root, title: str, series_classes: dict[str, str]):
    """Drop pygal's inline style, script, tooltips and comments; name the plot for a screen
    reader (the table beneath has the numbers); give each series the colour class of what it
    shows. Attribute and text values are escaped when pygal writes the tree."""
    for parent in list(root.iter()):
        for child in list(parent):
            name = _local_name(child.tag)
            if (callable(child.tag)  # a comment
                    or name in _DROPPED
                    or (name == "g" and "tooltip" in (child.get("class") or "").split())):
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("style", None)
        if series_classes and element.get("class"):
            element.set("class", " ".join(series_classes.get(c, c) for c in element.get("class").split()))
    root.attrib.pop("id", None)  # pygal writes id="" when it has no uuid
    root.set("role", "img")
    root.set("aria-label", title)
    named = root.makeelement("title", {})
    named.text = title
    root.insert(0, named)
    return root


def _day(moment: datetime) -> float:
    """x as days since the epoch: pygal's XY chart draws numbers about twice as fast as its
    DateTimeLine draws datetimes; the labels are dates again (`_date_label`)."""
    return moment.timestamp() / DAY


def _date_label(day: float) -> str:
    moment = datetime.fromtimestamp(day * DAY, tz=timezone.utc)
    return f"{moment.day} {moment:%b}"


def _x_labels(days: Sequence[float]) -> list[float]:
    first, last = min(days), max(days)
    if last - first < 1:
        return [(first + last) / 2]
    step = (last - first) / (X_LABELS - 1)
    return [first + step * n for n in range(X_LABELS)]


def _points(points: Sequence[tuple[datetime, float]]) -> list[tuple[float, float]]:
    return [(_day(moment), float(value)) for moment, value in points]


def nice_ticks(low: float, high: float, *, most: int = 6) -> tuple[list[float], int]:
    """Round y labels covering low…high — at most `most`, a step of 1, 2, 2.5 or 5 times a power
    of ten — and the decimals they need. (pygal's own scale may start above the lowest value or
    show a single label for a flat line; its `y_labels` option takes these instead.)"""
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


def _chart(title: str, points: Sequence[tuple[float, float]], *, height: int, series_classes: dict[str, str] | None = None,
           y_range: tuple[float, float] | None = None, most_ticks: int = 6) -> pygal.XY:
    settings: dict = dict(
        css=[], js=[], disable_xml_declaration=True, no_prefix=True, explicit_size=False, width=WIDTH, height=height,
        style=_LAYOUT, show_legend=False, dots_size=3, x_label_rotation=0, show_x_guides=False, show_y_guides=True,
        title=None, classes=["pygal-chart", "plot-svg"], no_data_text=NO_VALUES,
        # Narrow margins (the page gives the plot its room), with enough on the right for half
        # of the last date label; tests/test_dashboard_browser.py checks no label is clipped.
        margin=8, margin_right=32, margin_bottom=12,
    )
    if points:
        low, high = y_range if y_range is not None else (min(y for _, y in points), max(y for _, y in points))
        ticks, decimals = nice_ticks(low, high, most=most_ticks)
        # The lowest label sits a third of a step above the date axis, clear of the dates.
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        settings.update(
            range=(ticks[0] - step / 3, ticks[-1]), x_labels=_x_labels([x for x, _ in points]), x_value_formatter=_date_label,
            y_labels=[{"value": tick, "label": f"{tick:,.{decimals}f}"} for tick in ticks],
        )
    else:
        settings.update(show_x_labels=False, show_y_labels=False)
    chart = pygal.XY(**settings)
    chart.add_xml_filter(lambda root: _for_strict_csp(root, title, series_classes or {}))
    return chart


def value_plot(*, title: str, values: Sequence[tuple[datetime, float]], other_tools: Sequence[tuple[datetime, float]],
               target: float, pace: Sequence[tuple[datetime, float]], forecast: Sequence[tuple[datetime, float]]
               ) -> tuple[str, list[tuple[int, str]]]:
    """The SVG, and its legend as (colour number, name) for the page to write in HTML (it wraps
    on a phone, where a legend inside the SVG would be clipped or tiny)."""
    span = [moment for moment, _ in (*values, *other_tools, *pace)]
    series = [(_points(values), {}), (_points(other_tools), {"stroke": False}),
              (_points([(min(span), target), (max(span), target)]) if span else [], {"show_dots": False}),
              (_points(pace), {"show_dots": False}), (_points(forecast), {"show_dots": False})]
    shown = [(index, points, options) for index, (points, options) in enumerate(series) if points]
    # pygal numbers the series it is given; each keeps the colour and dash (dash.css) of what it
    # shows whichever others are empty.
    renamed = {f"{kind}-{position}": f"{kind}-{index}" for position, (index, *_rest) in enumerate(shown)
               for kind in ("color", "serie")}
    chart = _chart(title, [point for _index, points, _options in shown for point in points], height=280,
                   series_classes=renamed)
    for index, points, options in shown:
        chart.add(SERIES[index], points, **options)
    return chart.render(is_unicode=True), [(index, SERIES[index]) for index, *_rest in shown]


def confidence_plot(*, title: str, confidences: Sequence[tuple[datetime, int]]) -> str:
    points = _points(confidences)
    chart = _chart(title, points, height=190, y_range=(0, 10))
    chart.add("confidence", points)
    return chart.render(is_unicode=True)
