"""Process-wide settings for the long-running commands (`serve`, `tick`).

Python's cyclic garbage collector runs a collection every 700 new container objects and,
every so often, walks every object the process holds — the SQLAlchemy metadata, the compiled
templates, the imported modules. A fan-out allocates millions of short-lived dicts (contexts,
rows), so with the defaults a tick of 100,000 prompts spent about a fifth of its time in
collections (benchmarks/fanout.py: ~2.3 s of 12.5 s, mostly full collections).

`settle_heap()`, called once the process is wired up, moves everything alive at that point
out of the collector's sight (`gc.freeze`) and makes the young generation larger, so
collections are rarer and only look at what the process made since. Garbage without cycles
is still freed at once by reference counting; cycles are still collected, a little later.
"""

from __future__ import annotations

import gc

# 20,000 new containers between young collections (default 700); the middle generation every
# 50 of those, the oldest every 10 of those (and, as always, only when it grew by a quarter).
THRESHOLDS = (20_000, 50, 10)


def settle_heap() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
