"""Putting a check-in off: `snooze [2h|tomorrow]` ("remind me in 2 hours") and `skip [REASON]`.

The prompt's buttons ("Remind me in 2 hours", "Tomorrow morning", "Skip this week") arrive
as `checkin.snooze` (value "CHECKIN_ID 2h" / "CHECKIN_ID tomorrow") and `checkin.skip`
(value "CHECKIN_ID"); typed, the words act on the check-in waiting for an answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.handlers.checkin import primary_rule
from bot.handlers.context import Context
from bot.handlers.views import person_view
from bot.platform import ButtonClicked, Intent, Reply
from cadences.calendar import zone
from cadences.people import load_people
from cadences.periods import current_period, period_bounds, period_label
from cadences.registry import sync_cadences
from cadences.snooze import parse_snooze, snooze_until
from storage.models import CheckIn, CheckInStatus
from storage.repositories.checkin_pauses import PROMPTED, WAITING, skip_checkin, snooze_checkin, waiting_checkins
from storage.repositories.checkins import get_or_create_checkin


def _when(at: datetime, now: datetime, tz: str) -> str:
    """`today at 14:00`, `tomorrow at 09:00` or `Monday at 09:00`, in the person's own time."""
    local, today = at.astimezone(zone(tz)), now.astimezone(zone(tz)).date()
    days = (local.date() - today).days
    day = "today" if days == 0 else "tomorrow" if days == 1 else local.strftime("%A")
    return f"{day} at {local:%H:%M}"


async def _chosen(session: AsyncSession, ctx: Context, checkin_id: str) -> CheckIn | None:
    """The check-in a button names (the person's own), else the one waiting for an answer."""
    if checkin_id:
        checkin = await session.get(CheckIn, int(checkin_id)) if checkin_id.isdigit() else None
        return checkin if checkin is not None and checkin.person_id == ctx.person.id else None
    waiting = await waiting_checkins(session, ctx.person.id, now=ctx.now)  # type: ignore[arg-type]
    return waiting[0] if waiting else None


async def snooze(ctx: Context, args: str, *, checkin_id: str = "") -> list[Intent]:
    choice = parse_snooze(args)
    if choice is None:
        return [Reply("snooze_help", {"typed": args})]
    async with ctx.db.transaction() as session:
        checkin = await _chosen(session, ctx, checkin_id)
        if checkin is None or checkin.status not in PROMPTED:
            return [Reply("nothing_to_put_off", _context(ctx, checkin))]
        person = (await load_people(session, [ctx.person.id], working_days=ctx.config.organisation.working_days,  # type: ignore[list-item]
                                    since=ctx.local_today))[ctx.person.id]  # type: ignore[index]
        until = snooze_until(choice, now=ctx.now, tz=ctx.timezone, calendar=person.calendar)
        if checkin.period_ends_at is not None and until >= checkin.period_ends_at:
            return [Reply("snooze_too_late", _context(ctx, checkin))]
        await snooze_checkin(session, checkin, until)
    return [Reply("checkin_snoozed", {**_context(ctx, checkin), "when": _when(until, ctx.now, ctx.timezone)})]


async def snooze_from_button(ctx: Context, event: ButtonClicked) -> list[Intent]:
    checkin_id, _, when = event.value.strip().partition(" ")
    return await snooze(ctx, when, checkin_id=checkin_id or "none")


async def skip(ctx: Context, args: str, *, checkin_id: str = "") -> list[Intent]:
    """Skip the check-in waiting for an answer, else this period's (so its prompt never comes)."""
    async with ctx.db.transaction() as session:
        checkin = await _chosen(session, ctx, checkin_id)
        if checkin is None and not checkin_id:
            rule = primary_rule(ctx.config.cadences)
            if rule is not None:
                period = current_period(rule.every, ctx.now, ctx.timezone)
                cadence = (await sync_cadences(session, ctx.config.cadences))[rule.name]
                checkin = await get_or_create_checkin(
                    session, person=ctx.person, cadence=cadence, period=period,
                    period_ends_at=period_bounds(period, ctx.timezone)[1])
        if checkin is None or checkin.status not in WAITING:
            return [Reply("nothing_to_put_off", _context(ctx, checkin))]
        await skip_checkin(session, checkin, args)
    return [Reply("checkin_skipped", {**_context(ctx, checkin), "reason": checkin.skip_reason or ""})]


async def skip_from_button(ctx: Context, event: ButtonClicked) -> list[Intent]:
    return await skip(ctx, "", checkin_id=event.value.strip() or "none")


def _context(ctx: Context, checkin: CheckIn | None) -> dict:
    return {
        "person": person_view(ctx.person),
        "period_label": period_label(checkin.period) if checkin is not None else None,
        "status": str(checkin.status.value if isinstance(checkin.status, CheckInStatus) else checkin.status)
        if checkin is not None else None,
    }
