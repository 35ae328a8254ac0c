"""`win TEXT`: record a win outside a check-in (a draft until its author allows sharing).

`win #KEY TEXT` links the win to one of the author's current key results by its key (the
`[key]` that `okrs` shows), so the draft and the announcement name the outcome it advanced.
A win without a tag is linked to nothing — even for someone with a single key result — since
a win may be about something else entirely; an unknown tag is refused with the author's keys,
and nothing is recorded.
"""

from __future__ import annotations

import re

from bot.checkin_form import check_text
from bot.handlers.context import Context
from bot.handlers.views import person_view, team_has_channel, win_view
from bot.platform import Intent, Reply
from cadences.wins import ask_author_to_share
from storage.models import TEXT_MAX
from storage.repositories.checkins import record_win
from storage.repositories.okrs import key_results_of

_TAG = re.compile(r"#(\S+)\s*(.*)", re.DOTALL)


def split_tag(args: str) -> tuple[str | None, str]:
    """"#onboarding-days Acme went live" → ("onboarding-days", "Acme went live")."""
    match = _TAG.fullmatch(args.strip())
    return (match.group(1), match.group(2)) if match else (None, args)


async def share_win(ctx: Context, args: str) -> list[Intent]:
    tag, body = split_tag(args)
    text, problem = check_text(body, TEXT_MAX, "a win")
    if not text or problem:
        return [Reply("win_rejected", {"problem": problem})]
    async with ctx.db.transaction() as session:
        key_result_id = None
        if tag is not None:
            owned = [item.key_result for item in await key_results_of(session, ctx.person.id, on=ctx.now.date())]
            match = next((kr for kr in owned if kr.key.casefold() == tag.casefold()), None)
            if match is None:
                keys = ", ".join(f"#{kr.key}" for kr in owned) or "none yet"
                return [Reply("win_rejected", {"problem": f"#{tag} is not one of your current key results (yours: {keys}); "
                                                          "use one of those or leave the tag out"})]
            key_result_id = match.id
        win = await record_win(session, ctx.person, text, ctx.now, key_result_id=key_result_id)
        await ask_author_to_share(session, win, ctx.person, now=ctx.now)  # manager loop: a draft with an approve button
    async with ctx.db.session() as session:  # after the commit: the win is stored as soon as it can be
        team_channel = await team_has_channel(session, ctx.person)
    return [Reply("win_recorded", {"person": person_view(ctx.person), "win": win_view(win), "team_channel": team_channel})]
