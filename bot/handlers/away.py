"""`away FROM to UNTIL`, `away until UNTIL`, `away` (list) and `away cancel [N]`.

During leave nobody is prompted, reminded or marked `missed` (cadences.calendar moves or
skips prompts, cadences.lifecycle records a period that ends during leave as `skipped`), and
the manager's digest says "away until …". Dates are the person's own days, inclusive.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.handlers.context import Context
from bot.handlers.views import person_view
from bot.platform import Intent, Reply
from cadences.planner import Planner, PlannerSettings
from storage.repositories.leave import add_leave, leave_from, remove_leave

MAX_DAYS = 366
_RANGE = re.compile(r"^(?:from\s+)?(\S+)\s+(?:to|until|till|-|–|—)\s+(\S+)$")
_UNTIL = re.compile(r"^(?:until|till|to)\s+(\S+)$")
_CANCEL = re.compile(r"^(?:cancel|back|remove|delete)(?:\s+#?(\d+))?$")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _shown(leave) -> dict:
    return {"starts_on": _label(leave.starts_on), "ends_on": _label(leave.ends_on)}


def _label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


async def away(ctx: Context, args: str) -> list[Intent]:
    words = " ".join(args.lower().split())
    today = ctx.local_today
    if not words:
        return await _list(ctx, today)
    cancel = _CANCEL.match(words)
    if cancel:
        return await _cancel(ctx, today, int(cancel.group(1)) if cancel.group(1) else None)
    found = _RANGE.match(words)
    until = _UNTIL.match(words)
    if found:
        starts, ends = _day(found.group(1)), _day(found.group(2))
    elif until:
        starts, ends = today, _day(until.group(1))
    else:
        return [Reply("away_help", {"problem": "not_understood", "typed": args})]
    if starts is None or ends is None:
        return [Reply("away_help", {"problem": "dates", "typed": args})]
    if ends < starts:
        return [Reply("away_help", {"problem": "backwards", "typed": args})]
    if ends < today:
        return [Reply("away_help", {"problem": "past", "typed": args})]
    if (ends - starts).days >= MAX_DAYS:
        return [Reply("away_help", {"problem": "too_long", "typed": args})]
    async with ctx.db.transaction() as session:
        leave = await add_leave(session, ctx.person.id, starts, ends)  # type: ignore[arg-type]
    await _replan(ctx)
    return [Reply("away_added", {"person": person_view(ctx.person), **_shown(leave),
                                 "back_on": _label(ends + timedelta(days=1))})]


async def _list(ctx: Context, today: date) -> list[Intent]:
    async with ctx.db.session() as session:
        leave = await leave_from(session, ctx.person.id, today)  # type: ignore[arg-type]
    return [Reply("away_list", {"person": person_view(ctx.person), "leave": [_shown(item) for item in leave]})]


async def _cancel(ctx: Context, today: date, number: int | None) -> list[Intent]:
    async with ctx.db.transaction() as session:
        leave = await leave_from(session, ctx.person.id, today)  # type: ignore[arg-type]
        if number is None and len(leave) == 1:
            number = 1
        if number is None or not 1 <= number <= len(leave):
            return [Reply("away_list", {"person": person_view(ctx.person), "leave": [_shown(item) for item in leave],
                                        "pick": True})]
        chosen = leave[number - 1]
        shown = _shown(chosen)
        await remove_leave(session, chosen)
    await _replan(ctx)
    return [Reply("away_cancelled", {"person": person_view(ctx.person), **shown})]


async def _replan(ctx: Context) -> None:
    """Prompts move to fit the new calendar (a cancelled leave brings this period's back)."""
    settings = PlannerSettings(cadences=tuple(ctx.config.cadences), reminders=ctx.config.reminders,
                               working_days=tuple(ctx.config.organisation.working_days))
    await Planner(ctx.db, settings).replan([ctx.person.id], ctx.now)  # type: ignore[list-item]
