"""Long-running commands keep the garbage collector off what they hold for good."""

from __future__ import annotations

import gc

from bot.process import THRESHOLDS, settle_heap


def test_settling_the_heap_hides_what_is_alive_from_collections_and_collects_young_objects_less_often() -> None:
    before = gc.get_threshold()
    gc.unfreeze()  # as a fresh process: other tests may have run `serve` or `tick` in this one
    gc.set_threshold(700, 10, 10)  # CPython's defaults
    kept = [{"n": n} for n in range(1000)]  # alive when the process is wired up
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_threshold() == THRESHOLDS and THRESHOLDS[0] > 700
        cycle: list = []
        cycle.append(cycle)  # garbage with a cycle made afterwards is still collected
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
