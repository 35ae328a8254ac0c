"""App Home: what a person sees when they open the bot — their OKRs with progress bars,
their next check-in in their own timezone, their open blockers, and for a manager how many
of their reports have checked in this period. Read-only; rendered by app_home.json.j2."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.periods import current_period, period_label
from cadences.settings import CadenceRule
from storage.models import CheckInStatus, Person
from storage.repositories.blockers import open_blockers_of
from storage.repositories.okrs import key_results_of
from storage.repositories.identities import person_by_chat_identity
from storage.repositories.people import direct_reports
from storage.repositories.schedule import checkin_statuses, latest_prompted_open_checkin, next_prompt_at

HOME_LIST_LIMIT = 20  # per section, to stay well inside 100 blocks


def local_time_label(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({tz})"


async def home_context(session: AsyncSession, *, slack_user_id: str, rules: tuple[CadenceRule, ...], now: datetime) -> dict[str, Any]:
    person = await person_by_chat_identity(session, "slack", slack_user_id)
    if person is None:
        return {"known": False, "person": None, "key_results": [], "blockers": [], "team": None,
                "next_checkin": None, "open_checkin": None}
    local_day = now.astimezone(ZoneInfo(person.timezone)).date()
    owned = await key_results_of(session, person.id, on=local_day)  # type: ignore[arg-type]
    krs = sorted((item.key_result for item in owned), key=lambda kr: kr.key)[:HOME_LIST_LIMIT]
    blockers = (await open_blockers_of(session, person.id))[:HOME_LIST_LIMIT]  # type: ignore[arg-type]
    kr_titles = {kr.id: kr.title for kr in krs}
    next_at = await next_prompt_at(session, person.id)  # type: ignore[arg-type]
    open_checkin = await latest_prompted_open_checkin(session, person.id)  # type: ignore[arg-type]
    return {
        "known": True,
        "person": {"name": person.name, "timezone": person.timezone},
        "key_results": [
            {"key": kr.key, "title": kr.title, "unit": kr.unit, "current": kr.current, "target": kr.target,
             "progress": kr.progress(), "confidence": kr.confidence}
            for kr in krs
        ],
        "blockers": [
            {"text": b.text, "status": str(b.status), "age_days": max(0, (now - b.created_at).days),
             "key_result": kr_titles.get(b.key_result_id) if b.key_result_id else None}
            for b in blockers
        ],
        "next_checkin": local_time_label(next_at, person.timezone) if next_at else None,
        "open_checkin": {"id": open_checkin.id, "period_label": period_label(open_checkin.period)} if open_checkin else None,
        "team": await _team_participation(session, person, rules, now),
    }


async def _team_participation(session: AsyncSession, manager: Person, rules: tuple[CadenceRule, ...], now: datetime) -> dict[str, Any] | None:
    reports = await direct_reports(session, manager)
    if not reports or not rules:
        return None
    rule = rules[0]
    periods = {r.id: current_period(rule.every, now, r.timezone) for r in reports}
    statuses = await checkin_statuses(session, rule.name, periods)  # type: ignore[arg-type]
    members = [{"name": r.name, "status": statuses.get(r.id, "not prompted yet")} for r in reports]  # type: ignore[arg-type]
    answered = sum(1 for m in members if m["status"] == CheckInStatus.answered)
    label = period_label(current_period(rule.every, now, manager.timezone))
    return {"cadence": rule.name, "period_label": label, "answered": answered, "total": len(members),
            "members": members[:HOME_LIST_LIMIT], "more": max(0, len(members) - HOME_LIST_LIMIT)}
