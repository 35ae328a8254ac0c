"""`okrs` and `okrs @person`: a person's key results with progress, for those allowed to see."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.handlers.access import may_see_person
from bot.handlers.context import Context
from bot.handlers.mentions import resolve_mention
from bot.handlers.views import blocker_view, objectives_view, person_view
from bot.platform import Intent, Reply
from storage.models import Person
from storage.repositories.blockers import open_blockers_of
from storage.repositories.okrs import key_results_of


async def may_see(session: AsyncSession, ctx: Context, person: Person) -> bool:
    """Themself, anyone above them in the manager chain, and admins — one rule for chat and the
    dashboard (bot/handlers/access.py)."""
    return await may_see_person(session, ctx.config, viewer=ctx.person, person=person)


async def person_to_show(session: AsyncSession, ctx: Context, args: str) -> Person | Reply:
    """Whom `okrs @person` / `nudges @person` is about: the asker when no one is named, else the
    named person if the asker may see them, else the polite refusal to send instead."""
    mention = args.strip()
    if not mention:
        return ctx.person
    found = await resolve_mention(session, mention)
    if found is None or not await may_see(session, ctx, found):
        # One answer for both, so asking cannot tell who exists (SECURITY.md).
        return Reply("not_allowed", {"asked_about": mention})
    return found


async def show_okrs(ctx: Context, args: str) -> list[Intent]:
    async with ctx.db.session() as session:
        target = await person_to_show(session, ctx, args)
        if isinstance(target, Reply):
            return [target]
        owned = await key_results_of(session, target.id, on=ctx.local_today)  # type: ignore[arg-type]
        blockers = await open_blockers_of(session, target.id)  # type: ignore[arg-type]
    krs = {item.key_result.id: item.key_result for item in owned}
    return [
        Reply(
            "okrs",
            {
                "person": person_view(target),
                "own": target.id == ctx.person.id,
                "objectives": objectives_view(owned),
                "blockers": [blocker_view(b, ctx.now, krs) for b in blockers],  # type: ignore[arg-type]
            },
        )
    ]
