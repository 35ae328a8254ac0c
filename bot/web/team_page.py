"""The team page for managers: reports' latest check-ins, participation per week as counts
(never a ranking or a per-person score), open blockers by age, recent wins and coaching nudges."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.web.context import STATE, VIEWER, DashboardState, page
from bot.web.views import blocker_row, win_row
from bot.web.visibility import visible_to
from cadences.nudge_text import RULE_TITLES, explain
from cadences.periods import period_of
from storage.repositories.blockers import open_blockers_of_people
from storage.repositories.dashboard import (
    all_teams,
    change_marker,
    checkin_counts,
    ids_below,
    latest_checkins,
    nudges_about_people,
    people_by_ids_sorted,
    team_member_ids,
    wins_of_people,
)

WEEKS_SHOWN = 6
RECENT_DAYS = 30


async def team(request: web.Request) -> web.Response:
    state: DashboardState = request.config_dict[STATE]
    viewer, now = request[VIEWER], state.clock()
    team_id = request.query.get("team")
    async with state.db.session() as session:
        visible = await visible_to(session, state.config, viewer)
        if team_id:
            if not team_id.isdigit():
                raise web.HTTPNotFound()
            ids = {i for i in await team_member_ids(session, int(team_id)) if i in visible and i != viewer.id}
            if not ids:
                raise web.HTTPNotFound()  # a team you may not see looks like no team at all
        else:
            ids = await ids_below(session, viewer.id)
        people = await people_by_ids_sorted(session, ids)
        names = {p.id: p.name for p in people}
        weeks = [period_of("week", (now - timedelta(weeks=n)).date()) for n in range(WEEKS_SHOWN)]
        counts = await checkin_counts(session, ids, periods=weeks)
        latest = await latest_checkins(session, ids)
        blockers = await open_blockers_of_people(session, ids)
        since = now - timedelta(days=RECENT_DAYS)
        wins = await wins_of_people(session, ids, since=since)
        nudges = await nudges_about_people(session, ids, since=since)
        version = await change_marker(session)
        teams = await all_teams(session)
    return page("team", {
        "teams": teams, "team_id": int(team_id) if team_id else None, "admin": visible.everyone,
        "people": [p.name for p in people], "team_filter": bool(team_id),
        "participation": [{"week": w, "answered": counts.get((w, "answered"), 0), "skipped": counts.get((w, "skipped"), 0),
                           "missed": counts.get((w, "missed"), 0)} for w in weeks],
        "latest": [{"name": names.get(c.person_id, "?"), "period": c.period, "at": c.answered_at,
                    "updates": [{"key": kr.key, "title": kr.title, "value": u.value, "confidence": u.confidence, "note": u.note}
                                for u, kr in updates]} for c, updates in latest],
        "blockers": sorted((blocker_row(b, now, author=names.get(b.person_id)) for b in blockers),
                           key=lambda b: -b["age_days"]),
        "wins": [win_row(w, author=names.get(w.person_id)) for w in wins],
        "nudges": [{"person": names.get(n.report_id, "?"), "rule": RULE_TITLES.get(n.rule, n.rule), "at": n.created_at,
                    "evidence": explain(n.rule, n.evidence, key_result=kr.title if kr else None, unit=kr.unit if kr else ""),
                    "question": n.question, "key": kr.key if kr else None} for n, kr in nudges],
        "live": "team", "version": version,
    }, request=request)
