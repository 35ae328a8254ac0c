"""Which coaching nudges a manager actually gets: cooldown, "not useful" back-off, weekly budget.

Pure; `now` is passed in.

- Cooldown: one nudge per rule and report per `cooldown_days` (counted from the last nudge of
  that rule about that report, whoever it went to).
- "Not useful" back-off: every time a manager marks a rule's nudge about a report "not useful",
  that rule's cooldown for that report doubles (14 → 28 → 56 days …, at most a year).
- Budget: at most `budget_per_week` nudges per manager in any seven days, counting those
  already sent. When there are more candidates, the budget goes first to the rules that need
  help most (`coaching.RULES` order), and it is spread one per report before anyone gets a
  second; remaining ties go by report and key result id. Nothing is ranked by how well a
  person performs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cadences.coaching import RULES, NudgeCandidate

MAX_BACKOFF = timedelta(days=365)
BUDGET_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PastNudge:
    manager_id: int
    report_id: int
    rule: str
    created_at: datetime
    sent_at: datetime | None = None
    dismissed_at: datetime | None = None


def quiet_until(history: Sequence[PastNudge], *, cooldown_days: int) -> datetime | None:
    """When the next nudge of one (rule, report) pair may come, given its earlier nudges."""
    if not history:
        return None
    dismissals = sum(1 for nudge in history if nudge.dismissed_at is not None)
    pause = min(timedelta(days=cooldown_days) * (2**dismissals), MAX_BACKOFF)
    return max(nudge.created_at for nudge in history) + pause


def select_nudges(
    candidates: Iterable[NudgeCandidate],
    *,
    past: Iterable[PastNudge],
    budget_per_week: int,
    cooldown_days: int,
    now: datetime,
) -> list[NudgeCandidate]:
    """The candidates to send now, per manager, in the order they should be shown."""
    past = list(past)
    by_pair: dict[tuple[str, int], list[PastNudge]] = defaultdict(list)
    for nudge in past:
        by_pair[(nudge.rule, nudge.report_id)].append(nudge)
    sent_this_week = Counter(
        n.manager_id for n in past if n.sent_at is not None and n.sent_at > now - BUDGET_WINDOW
    )

    # One candidate per (rule, report): the first by key result id keeps it deterministic.
    allowed: dict[tuple[str, int], NudgeCandidate] = {}
    for candidate in sorted(candidates, key=_order):
        pair = (candidate.rule, candidate.report_id)
        if pair in allowed:
            continue
        until = quiet_until(by_pair.get(pair, ()), cooldown_days=cooldown_days)
        if until is None or until <= now:
            allowed[pair] = candidate

    by_manager: dict[int | None, list[NudgeCandidate]] = defaultdict(list)
    for candidate in allowed.values():
        by_manager[candidate.manager_id].append(candidate)

    chosen: list[NudgeCandidate] = []
    for manager_id in sorted(by_manager, key=lambda m: -1 if m is None else m):
        room = max(0, budget_per_week - sent_this_week.get(manager_id, 0))
        chosen += _spread(by_manager[manager_id], room)
    return chosen


def _order(candidate: NudgeCandidate) -> tuple[int, int, int]:
    return (RULES.index(candidate.rule), candidate.report_id, candidate.key_result_id or 0)


def _spread(candidates: list[NudgeCandidate], room: int) -> list[NudgeCandidate]:
    """Up to `room` candidates: by rule priority, one per report before seconds."""
    ordered = sorted(candidates, key=_order)
    picked: list[NudgeCandidate] = []
    given: Counter[int] = Counter()
    while len(picked) < room and len(picked) < len(ordered):
        fewest = min(given[c.report_id] for c in ordered if c not in picked)
        nxt = next(c for c in ordered if c not in picked and given[c.report_id] == fewest)
        picked.append(nxt)
        given[nxt.report_id] += 1
    return picked
