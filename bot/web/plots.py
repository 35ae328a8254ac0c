"""Server-side SVG plots of a key result with pygal, made safe for a strict CSP.

pygal writes a `<style>` and a `<script>` into every chart; both are taken out (an XML filter,
pygal's documented hook), and the dashboard's own stylesheet colours the chart by its classes
— in light and dark mode — so the page needs no inline script or style. The data is also in a
table beneath each plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pygal

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


def _chart(title: str, series_classes: dict[str, str] | None = None, **options) -> pygal.DateTimeLine:
    settings = dict(
        css=[], js=[], disable_xml_declaration=True, no_prefix=True, explicit_size=False, width=720, height=300,
        show_legend=True, legend_at_bottom=True, legend_at_bottom_columns=3, truncate_legend=-1, dots_size=3,
        x_label_rotation=0, show_x_guides=False, show_y_guides=True, title=None, margin=8,
        x_value_formatter=lambda moment: f"{moment.day} {moment:%b}", classes=["pygal-chart", "plot-svg"],
    )
    chart = pygal.DateTimeLine(**{**settings, **options})
    chart.add_xml_filter(lambda root: _strip_inline_code(root, title, series_classes or {}))
    return chart


def value_plot(*, title: str, values: Sequence[tuple[datetime, float]], other_tools: Sequence[tuple[datetime, float]],
               target: float, pace: Sequence[tuple[datetime, float]], forecast: Sequence[tuple[datetime, float]]) -> str:
    span = [moment for moment, _ in (*values, *other_tools, *pace)]
    series = [("value", list(values), {}), ("from other tools", list(other_tools), {"stroke": False}),
              ("target", [(min(span), target), (max(span), target)] if span else [], {"show_dots": False}),
              ("expected pace", list(pace), {"show_dots": False}), ("forecast", list(forecast), {"show_dots": False})]
    shown = [(index, name, points, options) for index, (name, points, options) in enumerate(series) if points]
    # Each series keeps its colour and dash (dash.css) whichever others are empty.
    renamed = {f"{kind}-{position}": f"{kind}-{index}" for position, (index, *_rest) in enumerate(shown)
               for kind in ("color", "serie")}
    chart = _chart(title, renamed, legend_at_bottom_columns=min(3, max(1, len(shown))))
    for _index, name, points, options in shown:
        chart.add(name, points, **options)
    return _labelled(chart, title)


def confidence_plot(*, title: str, confidences: Sequence[tuple[datetime, int]]) -> str:
    chart = _chart(title, range=(0, 10), show_legend=False, height=200)
    chart.add("confidence", list(confidences))
    return _labelled(chart, title)


def _labelled(chart: pygal.DateTimeLine, title: str) -> str:
    svg = chart.render(is_unicode=True)
    # role/aria: the plot is one image to a screen reader; the table beneath has the numbers.
    return svg.replace("<svg ", '<svg role="img" aria-label="' + _attribute(title) + '" ', 1)


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
