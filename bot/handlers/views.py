"""Model rows → the plain dicts templates render (the same context on every surface)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.outbox import team_targets
from storage.models import Blocker, KeyResult, Person, Win
from storage.repositories.okrs import OwnedKeyResult


def person_view(person: Person) -> dict[str, Any]:
    return {"name": person.name, "email": person.email}


def key_result_view(kr: KeyResult) -> dict[str, Any]:
    return {
        "id": kr.id,
        "key": kr.key,
        "title": kr.title,
        "unit": kr.unit,
        "baseline": kr.baseline,
        "target": kr.target,
        "current": kr.current,
        "confidence": kr.confidence,
        "progress": round(kr.progress(), 4),
        "direction": str(kr.direction),
    }


def objectives_view(owned: list[OwnedKeyResult]) -> list[dict[str, Any]]:
    """Key results grouped under their objective (which names its outcome), in order."""
    groups: dict[int, dict[str, Any]] = {}
    for item in owned:
        group = groups.setdefault(
            item.objective.id,  # type: ignore[arg-type]
            {
                "title": item.objective.title,
                "period": item.objective.period,
                "outcome": {"key": item.outcome.key, "title": item.outcome.title},
                "key_results": [],
            },
        )
        group["key_results"].append(key_result_view(item.key_result))
    return list(groups.values())


def age_in_days(created_at: datetime, now: datetime) -> int:
    return max(0, (now - created_at).days)


def blocker_view(blocker: Blocker, now: datetime, key_results: dict[int, KeyResult] | None = None) -> dict[str, Any]:
    kr = (key_results or {}).get(blocker.key_result_id) if blocker.key_result_id else None  # type: ignore[arg-type]
    return {
        "id": blocker.id,
        "text": blocker.text,
        "status": str(blocker.status),
        "age_days": age_in_days(blocker.created_at, now),
        "key_result": {"key": kr.key, "title": kr.title} if kr else None,
    }


def win_view(win: Win) -> dict[str, Any]:
    return {"id": win.id, "text": win.text, "status": str(win.status), "share": win.share}


async def team_has_channel(session: AsyncSession, person: Person) -> bool:
    """Whether the person's team has a channel wins are announced in (on any chat platform)."""
    return person.team_id is not None and bool(await team_targets(session, person.team_id))
