"""Rows from storage → the plain dicts the dashboard templates render, with pace and status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cadences.pace import Period, okr_period, pace_of
from storage.models import Blocker, Win


def kr_view(*, key: str, title: str, unit: str, baseline: float, target: float, current: float | None,
            confidence: int | None, period: str, now: datetime, owner: str | None = None) -> dict[str, Any]:
    pace = pace_of(baseline=baseline, target=target, current=current, confidence=confidence,
                   period=okr_period(period), now=now)
    return {
        "key": key, "title": title, "unit": unit, "baseline": baseline, "target": target, "current": current,
        "confidence": confidence, "progress": pace.progress, "expected": pace.expected, "on_pace": pace.on_pace,
        "status": pace.status, "status_class": pace.status.replace(" ", "-"), "owner": owner, "period": period,
    }


def blocker_row(blocker: Blocker, now: datetime, *, author: str | None = None, key: str | None = None) -> dict[str, Any]:
    return {"id": blocker.id, "text": blocker.text, "status": str(blocker.status), "author": author,
            "age_days": max(0, (now - blocker.created_at).days), "opened": blocker.created_at, "key": key}


def win_row(win: Win, *, author: str | None = None, key: str | None = None) -> dict[str, Any]:
    return {"text": win.text, "at": win.created_at, "author": author, "key": key}


def pace_line(baseline: float, target: float, period: Period | None) -> list[tuple[datetime, float]]:
    return [] if period is None else [(period.starts, baseline), (period.ends, target)]
