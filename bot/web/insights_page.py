"""Insights: what changed since last week across what the signed-in person may see."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from aiohttp import web

from bot.web.context import STATE, VIEWER, DashboardState, page
from bot.web.views import blocker_row
from bot.web.visibility import visible_to
from cadences.insights import (
    OLD_BLOCKER_DAYS,
    KRFacts,
    confidence_drops,
    fell_off_pace,
    met_but_outcome_flat,
    teams_doing_well,
)
from cadences.pace import okr_period
from storage.repositories.dashboard import all_teams, change_marker, key_result_facts, old_open_blockers, values_since

HISTORY_DAYS = 35
LISTED = 50  # findings listed per section; an admin of a large organisation is told how many more


async def insights(request: web.Request) -> web.Response:
    state: DashboardState = request.config_dict[STATE]
    viewer, now = request[VIEWER], state.clock()
    async with state.db.session() as session:
        visible = await visible_to(session, state.config, viewer)
        owned = await key_result_facts(session, visible.ids)
        values = await values_since(session, visible.ids, since=now - timedelta(days=HISTORY_DAYS))
        teams = {t.id: t.name for t in await all_teams(session)}
        blockers, old_count = await old_open_blockers(session, visible.ids, limit=LISTED,
                                                      opened_by=now - timedelta(days=OLD_BLOCKER_DAYS + 1))
        version = await change_marker(session)
    by_kr: dict[int, list] = defaultdict(list)
    for kr_id, at, value, confidence in values:
        by_kr[kr_id].append((at, value, confidence))
    periods = {name: okr_period(name) for name in {kr.period for kr in owned}}
    facts = [KRFacts(id=kr.id, key=kr.key, title=kr.title, outcome_id=kr.outcome_id,
                     owner_team=teams.get(kr.owner_team_id),  # type: ignore[arg-type]
                     baseline=kr.baseline, target=kr.target, current=kr.current, confidence=kr.confidence,
                     period=periods[kr.period], values=tuple(by_kr.get(kr.id, ())))
             for kr in owned]
    old = [blocker_row(b, now, author=author, key=key) for b, author, key in blockers]
    off_pace, drops, met_flat = fell_off_pace(facts, now), confidence_drops(facts, now), met_but_outcome_flat(facts, now)
    return page("insights", {
        "off_pace": off_pace[:LISTED], "drops": drops[:LISTED], "old_blockers": old, "met_flat": met_flat[:LISTED],
        "more": {"off_pace": len(off_pace) - LISTED, "drops": len(drops) - LISTED, "old_blockers": old_count - len(old),
                 "met_flat": len(met_flat) - LISTED},
        "teams_well": teams_doing_well(facts, now),
        "old_days": OLD_BLOCKER_DAYS, "live": "insights", "version": version,
    }, request=request)
