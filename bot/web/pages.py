"""The signed-in person's home, a key result's page and the live pages' change marker."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web

from bot.handlers.context import person_timezone
from bot.web.context import STATE, VIEWER, DashboardState, page
from bot.web.plots import confidence_plot, value_plot
from bot.web.views import blocker_row, kr_view, pace_line, win_row
from bot.web.visibility import may_see_person, visible_to
from cadences.pace import STATUS_RULE, forecast, okr_period
from messages.web import trusted_svg
from storage.models import progress_between
from storage.repositories.blockers import open_blockers_of
from storage.repositories.dashboard import (
    blockers_of_key_result,
    change_marker,
    key_result_by_key,
    people_by_ids_sorted,
    reported_values,
    values_from_other_tools,
    wins_of_key_result,
)
from storage.repositories.okrs import key_results_of
from storage.repositories.schedule import next_prompt_at


def _state(request: web.Request) -> DashboardState:
    return request.config_dict[STATE]


async def home(request: web.Request) -> web.Response:
    state, viewer = _state(request), request[VIEWER]
    now = state.clock()
    tz = person_timezone(viewer, state.config)
    async with state.db.session() as session:
        owned = await key_results_of(session, viewer.id, on=now.astimezone(ZoneInfo(tz)).date())
        blockers = await open_blockers_of(session, viewer.id)
        next_at = await next_prompt_at(session, viewer.id)
    krs = [kr_view(key=o.key_result.key, title=o.key_result.title, unit=o.key_result.unit, baseline=o.key_result.baseline,
                   target=o.key_result.target, current=o.key_result.current, confidence=o.key_result.confidence,
                   period=o.objective.period, now=now) for o in owned]
    keys = {o.key_result.id: o.key_result.key for o in owned}
    local_next = next_at.astimezone(ZoneInfo(tz)) if next_at else None
    return page("home", {
        "key_results": krs, "blockers": [blocker_row(b, now, key=keys.get(b.key_result_id)) for b in blockers],  # type: ignore[arg-type]
        "next_checkin": f"{local_next:%A} {local_next.day} {local_next:%B, %H:%M} ({tz})" if local_next else None,
        "status_rule": STATUS_RULE,
    }, request=request)


async def key_result(request: web.Request) -> web.Response:
    state, viewer = _state(request), request[VIEWER]
    now = state.clock()
    async with state.db.session() as session:
        found = await key_result_by_key(session, request.match_info["key"])
        if found is None or not await may_see_person(session, state.config, viewer=viewer, person=found.owner):
            raise web.HTTPNotFound()
        kr = found.key_result
        values = await reported_values(session, kr.id)  # type: ignore[arg-type]
        other_tools = await values_from_other_tools(session, kr.id)  # type: ignore[arg-type]
        blockers = await blockers_of_key_result(session, kr.id)  # type: ignore[arg-type]
        wins = await wins_of_key_result(session, kr.id)  # type: ignore[arg-type]
        visible = await visible_to(session, state.config, viewer)
        authors = {p.id: p.name for p in await people_by_ids_sorted(
            session, {b.person_id for b in blockers} | {w.person_id for w in wins})}
        version = await change_marker(session, kr.id)
    period = okr_period(found.objective.period)
    in_period = [v for v in values if period is None or period.starts <= v.at < period.ends] or values
    sent = [(at, value) for at, value, _source in other_tools]
    sent_in_period = [(at, value) for at, value in sent if period is None or period.starts <= at < period.ends]
    points = [(v.at, v.value) for v in values] + sent
    expected_end = forecast(sorted(points), period)
    forecast_line = [] if expected_end is None or not points or period is None else [max(points), (period.ends, expected_end)]
    view = kr_view(key=kr.key, title=kr.title, unit=kr.unit, baseline=kr.baseline, target=kr.target, current=kr.current,
                   confidence=kr.confidence, period=found.objective.period, now=now, owner=found.owner.name)
    title = f"{kr.title} ({kr.unit})" if kr.unit else kr.title
    # The plots show this period (the table beneath lists every value ever reported).
    plot, legend = value_plot(title=title, values=[(v.at, v.value) for v in in_period], other_tools=sent_in_period,
                              target=kr.target, pace=pace_line(kr.baseline, kr.target, period), forecast=forecast_line)
    return page("key_result", {
        "kr": view, "objective": found.objective.title, "outcome": {"key": found.outcome.key, "title": found.outcome.title},
        "values": values, "other_tools": other_tools,
        "forecast": expected_end, "forecast_progress": None if expected_end is None else progress_between(kr.baseline, kr.target, expected_end),
        "period_end": period.ends if period else None,
        "value_plot": trusted_svg(plot), "legend": legend,
        "confidence_plot": trusted_svg(confidence_plot(title=f"Confidence in {kr.title}",
                                                       confidences=[(v.at, v.confidence) for v in in_period])),
        # Blockers and wins written by people the viewer may not see (a peer blocked on this key
        # result) stay off the page.
        "blockers": [blocker_row(b, now, author=authors.get(b.person_id)) for b in blockers if b.person_id in visible],
        "wins": [win_row(w, author=authors.get(w.person_id)) for w in wins if w.person_id in visible],
        "status_rule": STATUS_RULE, "live": f"kr:{kr.key}", "version": version,
    }, request=request)


async def live(request: web.Request) -> web.Response:
    """The change marker of what a live page shows; the page refetches itself when it moves."""
    state, viewer = _state(request), request[VIEWER]
    scope = request.query.get("scope", "")
    async with state.db.session() as session:
        if scope.startswith("kr:"):
            found = await key_result_by_key(session, scope[3:])
            if found is None or not await may_see_person(session, state.config, viewer=viewer, person=found.owner):
                raise web.HTTPNotFound()
            version = await change_marker(session, found.key_result.id)
        else:
            version = await change_marker(session)
    return web.json_response({"version": version})
