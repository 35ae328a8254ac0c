"""The key-result page's SVG plots, drawn without a browser (tests/test_dashboard_browser.py
looks at them in Chromium)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from bot.web.plots import confidence_plot, nice_ticks, value_plot
from bot.web.views import pace_line
from cadences.pace import okr_period

START = datetime(2026, 10, 5, 9, tzinfo=timezone.utc)
WEEKS = [START + timedelta(weeks=n) for n in range(7)]


def _labels(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end">([^<]*)<', svg)


def test_a_plot_carries_no_inline_style_or_script_and_escapes_its_title() -> None:
    svg, _legend = value_plot(title='Trials <b>"live"</b> & paid', values=[(at, 20 + n) for n, at in enumerate(WEEKS)],
                              other_tools=[], target=40, pace=[], forecast=[])
    assert "<style" not in svg and "<script" not in svg and " style=" not in svg
    assert 'aria-label="Trials &lt;b&gt;&quot;live&quot;&lt;/b&gt; &amp; paid"' in svg and "<b>" not in svg


def test_the_value_axis_has_round_labels_from_below_the_lowest_value_to_the_target() -> None:
    period = okr_period("2026-Q4")
    svg, legend = value_plot(title="Activation (%)", values=[(at, 22 + 2 * n) for n, at in enumerate(WEEKS)], other_tools=[],
                             target=40, pace=pace_line(20, 40, period), forecast=[])
    assert _labels(svg) == ["20", "25", "30", "35", "40"]
    assert legend == [(0, "value"), (2, "target"), (3, "expected pace")]
    assert svg.count('class="dot"') == len(WEEKS)  # the values are dotted; target and pace lines are not


def test_values_sent_by_other_tools_keep_their_own_colour_when_no_check_in_value_exists() -> None:
    svg, legend = value_plot(title="Uptime", values=[], other_tools=[(WEEKS[0], 99.5), (WEEKS[1], 99.9)], target=99.9,
                             pace=[], forecast=[])
    assert legend == [(1, "from other tools"), (2, "target")]
    assert 'class="series serie-1 color-1"' in svg and svg.count('class="dot"') == 2
    assert _labels(svg) == ["99.5", "99.6", "99.7", "99.8", "99.9"]  # a scale around the values, not from 0


def test_a_key_result_without_values_gets_a_plot_that_says_so() -> None:
    svg, legend = value_plot(title="New", values=[], other_tools=[], target=10, pace=[], forecast=[])
    assert "No values yet" in svg and legend == []
    assert "No values yet" in confidence_plot(title="Confidence in New", confidences=[])


def test_confidence_is_drawn_from_0_to_10_whatever_was_given() -> None:
    svg = confidence_plot(title="Confidence", confidences=[(WEEKS[0], 6), (WEEKS[1], 7)])
    assert _labels(svg) == ["0", "2", "4", "6", "8", "10"]


def test_round_labels_for_large_small_and_flat_numbers() -> None:
    assert nice_ticks(0, 1_000_000)[0] == [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]
    assert nice_ticks(0.12, 0.18) == ([0.12, 0.14, 0.16, 0.18], 2)
    flat, _ = nice_ticks(5, 5)  # every value the same: still a scale around it
    assert flat[0] < 5 < flat[-1]
