"""Server-side SVG plots of a key result with pygal, made safe for a strict CSP.

pygal writes a `<style>` and a `<script>` into every chart; both are taken out (an XML filter,
pygal's documented hook), and the dashboard's own stylesheet colours the chart by its classes
— in light and dark mode — so the page needs no inline script or style. The data is also in a
table beneath each plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import pygal
from pygal.style import Style

FONT_PX = 13  # the size dash.css gives the plot's text; pygal spaces its labels for it
# Drawn 480 units wide: on a 390 px phone the text is still readable, on a desktop the plot is
# shown at most 760 px wide (dash.css).
WIDTH = 480
_LAYOUT = Style(label_font_size=FONT_PX, major_label_font_size=FONT_PX, legend_font_size=FONT_PX,
                value_font_size=FONT_PX, tooltip_font_size=FONT_PX, title_font_size=FONT_PX)

_DROPPED = {"style", "script"}
SERIES = ("value", "from other tools", "target", "expected pace", "forecast")  # .color-0 … in dash.css


def _local_name(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _strip_inline_code(root, title: str, series_classes: dict[str, str]):
    """Drop pygal's inline style/script and its hidden tooltip (styled by a `style` attribute);
    name the plot in its <title>; give each series the colour class of what it shows."""
    for parent in root.iter():
        for child in list(parent):
            name = _local_name(child.tag)
            if name in _DROPPED or (name == "g" and "tooltip" in (child.get("class") or "").split()):
                parent.remove(child)
    for element in root.iter():
        if _local_name(element.tag) == "title":
            element.text = title
        if "style" in element.attrib:
            del element.attrib["style"]
        if series_classes and element.get("class"):
            element.set("class", " ".join(series_classes.get(c, c) for c in element.get("class").split()))
    return root


DAY = 86_400.0
X_LABELS = 5


def _day(moment: datetime) -> float:
    """x as days since the epoch: pygal's XY chart draws numbers about twice as fast as its
    DateTimeLine draws datetimes; the labels are dates again (`_date_label`)."""
    return moment.timestamp() / DAY


def _date_label(day: float) -> str:
    moment = datetime.fromtimestamp(day * DAY, tz=timezone.utc)
    return f"{moment.day} {moment:%b}"


def _x_labels(days: Sequence[float]) -> list[float]:
    if not days:
        return []
    first, last = min(days), max(days)
    if last - first < 1:
        return [first]
    step = (last - first) / (X_LABELS - 1)
    return [first + step * n for n in range(X_LABELS)]


def _points(points: Sequence[tuple[datetime, float]]) -> list[tuple[float, float]]:
    return [(_day(moment), value) for moment, value in points]


def _chart(title: str, series_classes: dict[str, str] | None = None, *, days: Sequence[float] = (), **options) -> pygal.XY:
    settings = dict(
        css=[], js=[], disable_xml_declaration=True, no_prefix=True, explicit_size=False, width=WIDTH, height=280,
        style=_LAYOUT, legend_box_size=FONT_PX,
        show_legend=False, dots_size=3,
        x_label_rotation=0, show_x_guides=False, show_y_guides=True, title=None, margin=8, margin_right=40,
        max_scale=6, min_scale=3,
        x_value_formatter=_date_label, x_labels=_x_labels(days), classes=["pygal-chart", "plot-svg"],
    )
    chart = pygal.XY(**{**settings, **options})
    chart.add_xml_filter(lambda root: _strip_inline_code(root, title, series_classes or {}))
    return chart


def value_plot(*, title: str, values: Sequence[tuple[datetime, float]], other_tools: Sequence[tuple[datetime, float]],
               target: float, pace: Sequence[tuple[datetime, float]], forecast: Sequence[tuple[datetime, float]]
               ) -> tuple[str, list[tuple[int, str]]]:
    """The SVG, and its legend as (colour number, name) for the page to write in HTML (it wraps
    on a phone, where a legend inside the SVG would be clipped or tiny)."""
    span = [moment for moment, _ in (*values, *other_tools, *pace)]
    series = [("value", _points(values), {}), ("from other tools", _points(other_tools), {"stroke": False}),
              ("target", _points([(min(span), target), (max(span), target)]) if span else [], {"show_dots": False}),
              ("expected pace", _points(pace), {"show_dots": False}), ("forecast", _points(forecast), {"show_dots": False})]
    shown = [(index, name, points, options) for index, (name, points, options) in enumerate(series) if points]
    # Each series keeps its colour and dash (dash.css) whichever others are empty.
    renamed = {f"{kind}-{position}": f"{kind}-{index}" for position, (index, *_rest) in enumerate(shown)
               for kind in ("color", "serie")}
    chart = _chart(title, renamed, days=[_day(moment) for moment in span])
    for _index, name, points, options in shown:
        chart.add(name, points, **options)
    return _labelled(chart, title), [(index, name) for index, name, _points, _options in shown]


def confidence_plot(*, title: str, confidences: Sequence[tuple[datetime, int]]) -> str:
    points = _points(confidences)
    chart = _chart(title, days=[x for x, _ in points], range=(0, 10), height=190, max_scale=5)
    chart.add("confidence", points)
    return _labelled(chart, title)


def _labelled(chart: pygal.XY, title: str) -> str:
    svg = chart.render(is_unicode=True)
    # role/aria: the plot is one image to a screen reader; the table beneath has the numbers.
    return svg.replace("<svg ", '<svg role="img" aria-label="' + _attribute(title) + '" ', 1)


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
