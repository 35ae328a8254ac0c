"""`help`, and the answer to anything the bot does not understand."""

from __future__ import annotations

from bot.handlers.context import Context
from bot.handlers.views import person_view
from bot.platform import Intent, Reply

# Every chat command, as the help text lists it (the router's command words).
COMMANDS = (
    ("okrs", "your objectives and key results, with progress"),
    ("okrs @person", "someone's OKRs — for their managers, skip-levels and admins"),
    ("checkin", "start this week's check-in now, or change your answers until the week ends (`checkin monthly` for the monthly one)"),
    ("snooze [2h|tomorrow]", "put this check-in off: remind me in 2 hours, or tomorrow morning"),
    ("skip [REASON]", "skip this period's check-in, e.g. `skip on leave` (your manager sees it as skipped)"),
    ("away FROM to UNTIL", "no check-ins while you are away, e.g. `away 2026-12-21 to 2027-01-04`; `away` lists, `away cancel` undoes"),
    ("win TEXT", "record a win, e.g. `win Acme went live in 9 days`"),
    ("blockers", "open blockers: yours, and your reports' if you manage people"),
    ("outcomes", "the company outcomes and how their key results are moving"),
    ("approve N", "share your win number N in your team's channel"),
    ("nudges", "the coaching nudges your manager got about you (`nudges @person` for a report's)"),
    ("ack N", "managers: acknowledge blocker N (its author is told)"),
    ("resolve N", "managers: mark blocker N resolved"),
    ("details N", "managers: ask the author of blocker N for details"),
    ("dismiss N", "managers: mark nudge N not useful, so that rule backs off"),
    ("dashboard", "a private one-time link to your web dashboard: plots, your team, insights"),
    ("help", "this list"),
)


# The words Slack registers as slash commands (bot/slack/manifest.yaml); the rest are typed in a DM.
SLASH_COMMANDS = frozenset({"okrs", "checkin", "win", "blockers", "outcomes", "dashboard"})


def help_context(ctx: Context, unknown: str | None = None) -> dict:
    return {
        "person": person_view(ctx.person),
        "commands": [
            {"usage": usage, "summary": summary, "slash": usage.split()[0] in SLASH_COMMANDS}
            for usage, summary in COMMANDS
        ],
        "unknown": unknown,
    }


async def show_help(ctx: Context, args: str) -> list[Intent]:
    return [Reply("help", help_context(ctx))]


async def answer_unknown(ctx: Context, text: str) -> list[Intent]:
    return [Reply("help", help_context(ctx, unknown=text.strip() or None))]
