"""The key-result page's SVG plots as a browser receives them (tests/test_dashboard_browser.py
looks at them drawn in Chromium): no inline style or script for the CSP, a name a screen reader
reads, colours by what a series shows, round labels on the value axis."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from bot.web.plots import confidence_plot, nice_ticks, value_plot
from bot.web.views import pace_line
from cadences.pace import okr_period

START = datetime(2026, 10, 5, 9, tzinfo=timezone.utc)
WEEKS = [START + timedelta(weeks=n) for n in range(7)]
SVG = "{http://www.w3.org/2000/svg}"


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def _axis_labels(svg: str, axis: str) -> list[str]:
    """The labels along the value ("y") or date ("x") axis, in the order drawn."""
    return [text.text or "" for group in _tree(svg).iter(f"{SVG}g") if {"axis", axis} <= _classes(group)
            for text in group.iter(f"{SVG}text")]


def _dots(svg: str) -> int:
    return sum(1 for circle in _tree(svg).iter(f"{SVG}circle") if "dot" in _classes(circle))


def test_a_plot_carries_no_inline_style_or_script_and_escapes_its_title() -> None:
    svg, _legend = value_plot(title='Trials <b>"live"</b> & paid', values=[(at, 20 + n) for n, at in enumerate(WEEKS)],
                              other_tools=[], target=40, pace=[], forecast=[])
    root = _tree(svg)  # well-formed: the title did not break out of its attribute or element
    assert not [e for e in root.iter() if e.tag in (f"{SVG}style", f"{SVG}script") or "style" in e.attrib]
    assert not [name for e in root.iter() for name in e.attrib if name.startswith("on")]  # no event handlers either
    assert root.get("role") == "img" and root.get("aria-label") == 'Trials <b>"live"</b> & paid'
    assert root.find(f"{SVG}title").text == 'Trials <b>"live"</b> & paid'
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_the_value_axis_has_round_labels_from_below_the_lowest_value_to_the_target() -> None:
    period = okr_period("2026-Q4")
    svg, legend = value_plot(title="Activation (%)", values=[(at, 22 + 2 * n) for n, at in enumerate(WEEKS)], other_tools=[],
                             target=40, pace=pace_line(20, 40, period), forecast=[])
    assert _axis_labels(svg, "y") == ["20", "25", "30", "35", "40"]
    assert _axis_labels(svg, "x") == ["1 Oct", "24 Oct", "16 Nov", "9 Dec", "1 Jan"]  # the quarter, as dates
    assert legend == [(0, "value"), (2, "target"), (3, "expected pace")]
    assert _dots(svg) == len(WEEKS)  # the values are dotted; target and pace lines are not


def test_each_series_is_coloured_by_what_it_shows_whichever_others_are_empty() -> None:
    svg, legend = value_plot(title="Uptime", values=[], other_tools=[(WEEKS[0], 99.5), (WEEKS[1], 99.9)], target=99.9,
                             pace=[], forecast=[])
    assert legend == [(1, "from other tools"), (2, "target")]
    series = [_classes(g) for g in _tree(svg).iter(f"{SVG}g") if "series" in _classes(g)]
    assert {"serie-1", "color-1"} in [s & {"serie-1", "color-1"} for s in series]  # as the legend's colour 1
    assert not any(s & {"serie-0", "color-0"} for s in series)  # not the check-in values' colour
    assert _dots(svg) == 2
    assert _axis_labels(svg, "y") == ["99.5", "99.6", "99.7", "99.8", "99.9"]  # a scale around the values, not from 0


def test_large_values_get_thousands_separators_on_the_value_axis() -> None:
    svg, _legend = value_plot(title="Revenue", values=[(WEEKS[0], 120_000), (WEEKS[3], 640_000)], other_tools=[],
                              target=1_000_000, pace=[], forecast=[])
    assert _axis_labels(svg, "y") == ["0", "200,000", "400,000", "600,000", "800,000", "1,000,000"]


def test_a_key_result_without_values_gets_a_plot_that_says_so() -> None:
    svg, legend = value_plot(title="New", values=[], other_tools=[], target=10, pace=[], forecast=[])
    assert "No values yet" in svg and legend == [] and _axis_labels(svg, "y") == []
    assert "No values yet" in confidence_plot(title="Confidence in New", confidences=[])


def test_confidence_is_drawn_from_0_to_10_whatever_was_given() -> None:
    svg = confidence_plot(title="Confidence", confidences=[(WEEKS[0], 6), (WEEKS[1], 7)])
    assert _axis_labels(svg, "y") == ["0", "2", "4", "6", "8", "10"]


def test_round_labels_for_large_small_and_flat_numbers() -> None:
    assert nice_ticks(0, 1_000_000)[0] == [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]
    assert nice_ticks(0.12, 0.18) == ([0.12, 0.14, 0.16, 0.18], 2)
    flat, _ = nice_ticks(5, 5)  # every value the same: still a scale around it
    assert flat[0] < 5 < flat[-1]
