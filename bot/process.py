"""Garbage-collector and thread-switch settings for the one-shot `outcomebot tick` command.

These settings are process-wide: every thread and every request handled while they hold
runs under them. So only `tick`, a process that serves no requests, uses them
(`one_shot_tick_settings`); `serve` keeps CPython's collection thresholds and switch interval,
so Slack and Teams requests answered during a tick keep their usual thread switching. `serve`
only calls `settle_heap()` once, when it is wired up and before it answers anything (CPython's
documented use of `gc.freeze`): without it each full collection walks the whole start-up heap
(about 120,000 objects) and stalls every request in flight for tens of milliseconds
(docs/architecture.md, "Decisions").

Python's cyclic collector runs a young collection every 700 new container objects and, now and
then, a full one that walks every object the process holds — the SQLAlchemy metadata, the
compiled templates, the imported modules. A fan-out allocates millions of short-lived dicts
(contexts, rows), so with the defaults a tick of 100,000 prompts spent about a fifth of its
time in collections (benchmarks/fanout.py: ~2.3 s of 12.5 s, mostly full collections).

* `settle_heap()`, once the process is wired up, moves everything alive then out of the
  collector's sight (`gc.freeze`): full collections only walk what came after.
* `fan_out_collections()`, around the tick's planning and sending, makes young collections
  rarer (and each larger) and puts the defaults back afterwards. It also shortens the GIL's switch interval (5 ms → 0.2 ms)
  meanwhile: SQLite's threads (one per aiosqlite connection) need the GIL for a moment
  before and after each statement, and while the loop renders and sends a batch, each such
  moment otherwise waits up to a whole interval, which stalls the next batch's statements.
Garbage without cycles is still freed at once by reference counting; cycles are still
collected, a little later.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# 20,000 new containers between young collections (default 700); the middle generation every
# 50 of those, the oldest every 10 of those (and, as always, only when it grew by a quarter).
FAN_OUT_THRESHOLDS = (20_000, 50, 10)
FAN_OUT_SWITCH_INTERVAL = 0.0002  # seconds (sys.setswitchinterval; the default is 0.005)

_relaxed = 0  # fan-outs in progress (serve's ticks do not overlap, but a `tick` could run inside)
_saved: tuple[int, ...] = ()
_saved_interval = 0.005


def settle_heap() -> None:
    gc.collect()
    gc.freeze()


@contextmanager
def fan_out_collections() -> Iterator[None]:
    global _relaxed, _saved, _saved_interval
    if _relaxed == 0:
        _saved, _saved_interval = gc.get_threshold(), sys.getswitchinterval()
        gc.set_threshold(*FAN_OUT_THRESHOLDS)
        sys.setswitchinterval(FAN_OUT_SWITCH_INTERVAL)
    _relaxed += 1
    try:
        yield
    finally:
        _relaxed -= 1
        if _relaxed == 0:
            gc.set_threshold(*_saved)
            sys.setswitchinterval(_saved_interval)


@contextmanager
def one_shot_tick_settings() -> Iterator[None]:
    """For the `tick` command only: settle the heap, then relax collections and thread switches."""
    settle_heap()
    with fan_out_collections():
        yield
