"""One sentence per nudge that states its evidence, the same on every surface.

The numbers come from the nudge's stored evidence, so what the manager reads is exactly what
triggered it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from cadences.coaching import DOING_GREAT, LAPSED, MET_BUT_OUTCOME_FLAT, RECURRING_BLOCKER, STUCK

RULE_TITLES = {
    STUCK: "Stuck",
    MET_BUT_OUTCOME_FLAT: "Target met, outcome flat",
    DOING_GREAT: "Doing great",
    LAPSED: "No check-in for over a month",
    RECURRING_BLOCKER: "Recurring blocker",
}


def num(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def day(iso: str | None) -> str:
    """"2026-11-02" → "2 Nov 2026"."""
    if not iso:
        return "—"
    moment = date.fromisoformat(iso)
    return f"{moment.day} {moment.strftime('%b')} {moment.year}"


def _trail(values: list[Any], dates: list[str], unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    return ", ".join(f"{num(v)}{suffix} on {day(d)}" for v, d in zip(values, dates))


def explain(rule: str, evidence: Mapping[str, Any], *, key_result: str | None = None, unit: str = "") -> str:
    """The evidence in words, e.g. "“Churn” did not move toward 2 over two check-ins: …".

    The same words for the manager and for the person the nudge is about (who may read it with
    `nudges`), so a key result blocking several reports gives their number, never their names:
    the manager finds who in the digest's blocker list, which the others cannot see.
    """
    kr = f"“{key_result}”" if key_result else "a key result"
    if rule == STUCK:
        confidences = " → ".join(num(c) for c in evidence["confidences"])
        if evidence.get("no_progress"):
            text = (
                f"{kr} did not move toward its target of {num(evidence['target'])} over two check-ins: "
                f"{_trail(evidence['values'], evidence['dates'], unit)}."
            )
            if evidence.get("confidence_falling"):
                text += f" Confidence fell too: {confidences}."
            return text
        return f"Confidence in {kr} fell at each of the last two check-ins: {confidences} ({day(evidence['dates'][0])} to {day(evidence['dates'][-1])})."
    if rule == MET_BUT_OUTCOME_FLAT:
        others = evidence["other_key_results"]
        count = others if isinstance(others, int) else len(others)  # nudges stored before 2026-W48 hold a list
        return (
            f"{kr} reached its target ({num(evidence['values'][-1])} against {num(evidence['target'])} on "
            f"{day(evidence['dates'][-1])}), but none of the outcome's other {count} key result"
            f"{'' if count == 1 else 's'} improved at their last check-in."
        )
    if rule == DOING_GREAT:
        confidences = " → ".join(num(c) for c in evidence["confidences"])
        return (
            f"Confidence in {kr} rose at each of the last three check-ins ({confidences}) while it moved "
            f"from {num(evidence['values'][0])} to {num(evidence['values'][-1])} (target {num(evidence['target'])})."
        )
    if rule == LAPSED:
        if evidence.get("last_checkin"):
            return f"No answered check-in since {day(evidence['last_checkin'])} ({evidence['days_since']} days)."
        return f"No answered check-in since joining on {day(evidence['joined'])} ({evidence['days_since']} days)."
    if rule == RECURRING_BLOCKER:
        if "blocker_id" in evidence:
            about = f" on {kr}" if key_result else ""
            return f"A blocker{about} has been open for {evidence['age_days']} days, since {day(evidence['opened'])}."
        dates = ", ".join(day(d) for d in evidence["dates"])
        if "checkins_blocked" in evidence:  # nudges stored before 2026-W48
            return f"{kr} was reported blocked in {evidence['checkins_blocked']} check-ins ({dates})."
        return f"{kr} is named in open blockers by {evidence['reports_blocked']} reports, raised on {dates}."
    raise ValueError(f"unknown coaching rule {rule!r}")
