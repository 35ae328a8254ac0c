"""The outcomes tree: each outcome with its leading indicators, the objectives cascaded into it
and their key results (owner, progress, confidence, status), filterable by team.

Outcome, objective and team progress is for everyone (as `outcomes` in chat); a key result's
details and status only for those who may see its owner. Where there are too many objectives
to list (a large organisation's whole tree), each outcome shows one row per team — progress
and status counts — linking to that team's branch, so the page stays small enough for a phone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from aiohttp import web

from bot.web.context import STATE, VIEWER, DashboardState, page
from bot.web.visibility import visible_to
from cadences.pace import BEHIND_AT_RISK, STATUS_RULE, okr_period, status_of
from storage.models import progress_between
from storage.repositories.dashboard import all_teams, outcome_tree, tree_details

OBJECTIVES_LISTED = 300  # more objectives than this in view: teams are summarised instead
KEY_RESULTS_LISTED = 300  # more of your key results than this in view: choose a team to see them
NO_TEAM = 0


async def outcomes(request: web.Request) -> web.Response:
    state: DashboardState = request.config_dict[STATE]
    viewer, now = request[VIEWER], state.clock()
    team_id = _team(request.query.get("team"))
    async with state.db.session() as session:
        outcome_rows, rows = await outcome_tree(session)
        teams = await all_teams(session)
        visible = await visible_to(session, state.config, viewer)
        in_scope = [row for row in rows if team_id is None or (row.owner_team_id or NO_TEAM) == team_id]
        listed_objectives = {row.objective_id for row in in_scope}
        mine = [row for row in in_scope if row.key_result_id is not None and row.owner_id in visible]
        summarised = len(listed_objectives) > OBJECTIVES_LISTED
        if summarised:  # list only the objectives of key results you may see
            listed_objectives = {row.objective_id for row in mine} if len(mine) <= KEY_RESULTS_LISTED else set()
        listed_krs = {row.key_result_id for row in mine if row.objective_id in listed_objectives}
        titles, krs = await tree_details(session, objective_ids=listed_objectives, key_result_ids=listed_krs)
    expected: dict[str, float | None] = {}
    objectives: dict[int, dict[str, Any]] = {}
    by_outcome: dict[int, list[dict[str, Any]]] = defaultdict(list)
    per_team: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    # TreeRow's fields, in order (unpacked: 30,000 rows read ten fields each)
    for outcome_id, objective_id, period_name, kr_id, owner_id, owner_team_id, baseline, target, current, confidence in rows:
        objective = objectives.get(objective_id)
        if objective is None:
            objective = objectives[objective_id] = {
                "title": titles.get(objective_id, ""), "period": period_name, "progress_sum": 0.0, "count": 0,
                "key_results": [], "hidden": 0, "listed": objective_id in listed_objectives}
            by_outcome[outcome_id].append(objective)
        if kr_id is None:
            continue
        progress = progress_between(baseline, target, current)
        objective["count"] += 1
        objective["progress_sum"] += progress
        owner_team = owner_team_id or NO_TEAM
        team = per_team[outcome_id].get(owner_team)
        if team is None:
            team = per_team[outcome_id][owner_team] = {"progress_sum": 0.0, "count": 0, "objectives": set(),
                                                       "statuses": Counter()}
        team["progress_sum"] += progress
        team["count"] += 1
        team["objectives"].add(objective_id)
        if owner_id not in visible:
            objective["hidden"] += 1
            continue
        if period_name not in expected:
            period = okr_period(period_name)
            expected[period_name] = None if period is None else period.elapsed(now)
        status = status_of(progress, expected[period_name], confidence)
        team["statuses"][status] += 1
        if kr_id in listed_krs:
            key, title, unit, owner = krs[kr_id]
            objective["key_results"].append({
                "key": key, "title": title, "unit": unit, "current": current, "target": target, "confidence": confidence,
                "progress": progress, "expected": expected[period_name], "owner": owner, "status": status,
                "on_pace": None if expected[period_name] is None else progress >= expected[period_name] - BEHIND_AT_RISK,
                "status_class": status.replace(" ", "-"), "period": period_name})
    team_names = {t.id: t.name for t in teams}
    tree = []
    for outcome in outcome_rows:
        listed = [o for o in by_outcome.get(outcome.id, []) if o["listed"]]  # type: ignore[arg-type]
        for o in listed:
            o["progress"] = o["progress_sum"] / o["count"] if o["count"] else 0.0
        total = sum(o["count"] for o in by_outcome.get(outcome.id, []))  # type: ignore[arg-type]
        if not listed and team_id is not None:
            continue
        tree.append({
            "key": outcome.key, "title": outcome.title, "period": outcome.period, "indicators": list(outcome.indicators or []),
            "progress": sum(o["progress_sum"] for o in by_outcome.get(outcome.id, [])) / total if total else 0.0,  # type: ignore[arg-type]
            "objectives": listed,
            "teams": [{"id": tid, "name": team_names.get(tid, "No team"), "objectives": len(t["objectives"]),
                       "count": t["count"], "progress": t["progress_sum"] / t["count"], "statuses": t["statuses"]}
                      for tid, t in sorted(per_team[outcome.id].items(), key=lambda item: team_names.get(item[0], "~"))]  # type: ignore[index]
            if summarised else [],
        })
    return page("outcomes", {"outcomes": tree, "teams": teams, "team_id": team_id, "summarised": summarised,
                             "status_rule": STATUS_RULE}, request=request)


def _team(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
