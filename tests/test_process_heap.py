"""Long-running commands keep the garbage collector off what they hold for good, and a
fan-out collects young objects less often only while it runs."""

from __future__ import annotations

import gc
import sys

import pytest

from bot.process import FAN_OUT_SWITCH_INTERVAL, FAN_OUT_THRESHOLDS, fan_out_collections, settle_heap


def test_settling_the_heap_hides_what_is_alive_from_collections_but_still_collects_new_cycles() -> None:
    gc.unfreeze()  # as a fresh process: other tests may have run `serve` or `tick` in this one
    kept = [{"n": n} for n in range(1000)]  # alive when the process is wired up
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(kept)
        cycle: list = []
        cycle.append(cycle)  # garbage with a cycle made afterwards is still collected
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()


def test_a_fan_out_collects_young_objects_less_often_and_puts_the_settings_back_after() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fan_out_collections():
            assert gc.get_threshold() == FAN_OUT_THRESHOLDS
            with fan_out_collections():  # a nested tick changes nothing
                pass
            assert gc.get_threshold() == FAN_OUT_THRESHOLDS
        assert gc.get_threshold() == (700, 10, 10)
        try:
            with fan_out_collections():
                raise RuntimeError("the tick failed")
        except RuntimeError:
            pass
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_a_fan_out_hands_the_gil_over_sooner_and_puts_the_interval_back_after() -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.004)
        with fan_out_collections():
            assert sys.getswitchinterval() == pytest.approx(FAN_OUT_SWITCH_INTERVAL)
            with fan_out_collections():
                pass
            assert sys.getswitchinterval() == pytest.approx(FAN_OUT_SWITCH_INTERVAL)
        assert sys.getswitchinterval() == pytest.approx(0.004)
        try:
            with fan_out_collections():
                raise RuntimeError("the tick failed")
        except RuntimeError:
            pass
        assert sys.getswitchinterval() == pytest.approx(0.004)
    finally:
        sys.setswitchinterval(before)


def test_only_the_one_shot_tick_command_changes_interpreter_settings_so_requests_served_during_a_tick_keep_defaults() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    users = sorted(
        path.relative_to(root).as_posix()
        for package in ("bot", "cadences", "storage", "messages")
        for path in (root / package).rglob("*.py")
        if path.name != "process.py" and any(word in path.read_text(encoding="utf-8") for word in (
            "bot.process", "setswitchinterval", "set_threshold", "gc.freeze"))
    )
    assert users == ["bot/cli_run.py"]
    source = (root / "bot" / "cli_run.py").read_text(encoding="utf-8")
    serve = source[source.index("def serve("):]
    assert "one_shot_tick_settings" not in serve and "fan_out_collections" not in serve
    # `serve` freezes its start-up heap once, before it answers anything: a move, not a setting.
    assert serve.count("settle_heap()") == 1 and serve.index("settle_heap()") < serve.index("run_app(")
