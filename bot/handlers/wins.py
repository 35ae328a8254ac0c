"""`win TEXT`: record a win outside a check-in (a draft until its author allows sharing)."""

from __future__ import annotations

from bot.checkin_form import check_text
from bot.handlers.context import Context
from bot.handlers.views import person_view, win_view
from bot.platform import Intent, Reply
from cadences.wins import ask_author_to_share
from storage.models import TEXT_MAX
from storage.repositories.checkins import record_win


async def share_win(ctx: Context, args: str) -> list[Intent]:
    text, problem = check_text(args, TEXT_MAX, "a win")
    if not text or problem:
        return [Reply("win_rejected", {"problem": problem})]
    async with ctx.db.transaction() as session:
        win = await record_win(session, ctx.person, text, ctx.now)
        await ask_author_to_share(session, win, ctx.person)  # manager loop: a draft with an approve button
    return [Reply("win_recorded", {"person": person_view(ctx.person), "win": win_view(win)})]
