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
from storage.repositories.blockers import open_blockers_of_people
from storage.repositories.dashboard import all_teams, change_marker, key_results_owned_by, people_by_ids_sorted, values_since

HISTORY_DAYS = 35


async def insights(request: web.Request) -> web.Response:
    state: DashboardState = request.config_dict[STATE]
    viewer, now = request[VIEWER], state.clock()
    async with state.db.session() as session:
        visible = await visible_to(session, state.config, viewer)
        owned = await key_results_owned_by(session, visible.ids)
        values = await values_since(session, [kr.id for kr, _ in owned], since=now - timedelta(days=HISTORY_DAYS))
        owners = await people_by_ids_sorted(session, {kr.owner_id for kr, _ in owned})
        teams = {t.id: t.name for t in await all_teams(session)}
        blockers = await open_blockers_of_people(session, {p.id for p in owners} | ({viewer.id}))
        version = await change_marker(session)
    by_kr: dict[int, list] = defaultdict(list)
    for kr_id, at, value, confidence in values:
        by_kr[kr_id].append((at, value, confidence))
    person = {p.id: p for p in owners}
    keys = {kr.id: kr.key for kr, _ in owned}
    facts = [KRFacts(id=kr.id, key=kr.key, title=kr.title, outcome_id=objective.outcome_id,  # type: ignore[arg-type]
                     owner_team=teams.get(person[kr.owner_id].team_id) if kr.owner_id in person else None,
                     baseline=kr.baseline, target=kr.target, current=kr.current, confidence=kr.confidence,
                     period=okr_period(objective.period), values=tuple(by_kr.get(kr.id, ())))  # type: ignore[arg-type]
             for kr, objective in owned]
    old = [blocker_row(b, now, author=person[b.person_id].name if b.person_id in person else viewer.name,
                       key=keys.get(b.key_result_id))  # type: ignore[arg-type]
           for b in blockers if (now - b.created_at).days > OLD_BLOCKER_DAYS and b.person_id in visible]
    return page("insights", {
        "off_pace": fell_off_pace(facts, now), "drops": confidence_drops(facts, now), "old_blockers": old,
        "met_flat": met_but_outcome_flat(facts, now), "teams_well": teams_doing_well(facts, now),
        "old_days": OLD_BLOCKER_DAYS, "live": "insights", "version": version,
    }, request=request)
