"""`dashboard`: a private, one-time sign-in link to the web dashboard (bot/web/)."""

from __future__ import annotations

from bot.handlers.context import Context
from bot.platform import ButtonClicked, Intent, Reply
from bot.web.links import LINK_MINUTES, issue_link


async def send_link(ctx: Context, _args: str = "") -> list[Intent]:
    url = await issue_link(ctx.db, ctx.config, person_id=ctx.person.id, now=ctx.now)  # type: ignore[arg-type]
    return [Reply("dashboard_link", {"url": url, "minutes": LINK_MINUTES, "name": ctx.person.name})]


async def send_link_from_button(ctx: Context, _event: ButtonClicked) -> list[Intent]:
    return await send_link(ctx)


async def link_opened(_ctx: Context, _event: ButtonClicked) -> list[Intent]:
    """Slack also reports a click on the link button; the browser has already opened it."""
    return []
