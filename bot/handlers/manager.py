"""The manager loop's buttons and console commands.

Buttons `blocker.ack`, `blocker.resolve`, `blocker.details`, `nudge.dismiss`, `win.approve`
(value = the row id) and the console's `ack N`, `resolve N`, `details N`, `dismiss N`,
`approve N`, plus `nudges [@person]`. Only the blocker author's manager chain and admins may
act on a blocker; only the manager a nudge went to may dismiss it; only a win's author may
approve it. Anyone else is told there is nothing by that number they can act on, so ids do
not reveal what exists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.handlers.context import ButtonHandler, CommandHandler, Context
from bot.handlers.okrs import person_to_show
from bot.platform import ButtonClicked, Intent, Reply
from cadences.nudge_text import RULE_TITLES, explain
from cadences.outbox import enqueue_for_person
from cadences.wins import approve_win
from storage.models import Blocker, BlockerStatus, KeyResult, Nudge, Person, Win, WinStatus
from storage.repositories.nudges import nudges_about
from storage.repositories.people import is_in_manager_chain

NUDGES_SHOWN_FOR = timedelta(weeks=12)


def _id(text: str) -> int | None:
    cleaned = text.strip().lstrip("#")
    return int(cleaned) if cleaned.isdigit() and len(cleaned) < 12 else None


def _done(action: str, **subject) -> list[Intent]:
    return [Reply("manager_action_done", {"action": action, "subject": subject})]


def _not_found(what: str, raw: str) -> list[Intent]:
    return _done("not_found", what=what, id=raw.strip() or "?")


async def _may_act_for(session: AsyncSession, ctx: Context, author: Person) -> bool:
    """The author's manager chain and admins (not the author: blockers go up, not away)."""
    if ctx.is_admin():
        return True
    return author.id != ctx.person.id and await is_in_manager_chain(session, manager=ctx.person, report=author)


async def _blocker_view(session: AsyncSession, blocker: Blocker) -> dict:
    kr = await session.get(KeyResult, blocker.key_result_id) if blocker.key_result_id else None
    return {"id": blocker.id, "text": blocker.text, "key_result": kr.title if kr else None}


async def _act_on_blocker(ctx: Context, raw: str, action: str) -> list[Intent]:
    blocker_id = _id(raw)
    if blocker_id is None:
        return _not_found("blocker", raw)
    async with ctx.db.transaction() as session:
        blocker = await session.get(Blocker, blocker_id)
        author = await session.get(Person, blocker.person_id) if blocker else None
        if blocker is None or author is None or not await _may_act_for(session, ctx, author):
            return _not_found("blocker", raw)
        if blocker.status == BlockerStatus.resolved or (action == "acknowledged" and blocker.status == BlockerStatus.acknowledged):
            return _done("already_done", what="blocker", id=blocker.id, state=str(blocker.status))
        context = {"blocker": await _blocker_view(session, blocker), "manager": {"name": ctx.person.name}}
        if action == "details_requested":
            key = f"blocker:{blocker.id}:details:{ctx.person.id}:{ctx.now.date().isoformat()}"
            await enqueue_for_person(session, author, key=key, template="blocker_details_requested", context=context,
                                     now=ctx.now)
        else:
            if action == "acknowledged":
                blocker.status, blocker.acknowledged_at = BlockerStatus.acknowledged, ctx.now
            else:
                blocker.status, blocker.resolved_at = BlockerStatus.resolved, ctx.now
            session.add(blocker)
            await enqueue_for_person(session, author, key=f"blocker:{blocker.id}:{action}", template="blocker_acknowledged",
                                     context={**context, "action": action}, now=ctx.now)
        return _done(action, id=blocker.id, person=author.name)


async def acknowledge(ctx: Context, raw: str) -> list[Intent]:
    return await _act_on_blocker(ctx, raw, "acknowledged")


async def resolve(ctx: Context, raw: str) -> list[Intent]:
    return await _act_on_blocker(ctx, raw, "resolved")


async def ask_details(ctx: Context, raw: str) -> list[Intent]:
    return await _act_on_blocker(ctx, raw, "details_requested")


async def dismiss_nudge(ctx: Context, raw: str) -> list[Intent]:
    nudge_id = _id(raw)
    async with ctx.db.transaction() as session:
        nudge = await session.get(Nudge, nudge_id) if nudge_id else None
        if nudge is None or nudge.manager_id != ctx.person.id:
            return _not_found("nudge", raw)
        report = await session.get(Person, nudge.report_id)
        if nudge.dismissed_at is None:
            nudge.dismissed_at = ctx.now
            session.add(nudge)
        return _done("nudge_dismissed", id=nudge.id, person=report.name if report else "")


async def approve(ctx: Context, raw: str) -> list[Intent]:
    win_id = _id(raw)
    async with ctx.db.transaction() as session:
        win = await session.get(Win, win_id) if win_id else None
        if win is None or win.person_id != ctx.person.id:
            return _not_found("win", raw)
        if win.share and win.status in (WinStatus.approved, WinStatus.posted):
            return _done("already_done", what="win", id=win.id, state="shared")
        channels = await approve_win(session, win, ctx.person, now=ctx.now)
        return _done("win_approved" if channels else "win_no_channel", id=win.id)


async def show_nudges(ctx: Context, args: str) -> list[Intent]:
    """The coaching nudges about a person: what their manager chain was told, with its evidence."""
    async with ctx.db.session() as session:
        target = await person_to_show(session, ctx, args)
        if isinstance(target, Reply):
            return [target]
        rows = await nudges_about(session, target.id, since=ctx.now - NUDGES_SHOWN_FOR)  # type: ignore[arg-type]
    nudges = [
        {"id": n.id, "title": RULE_TITLES.get(n.rule, n.rule), "sent": n.sent_at.date().isoformat(),
         "summary": explain(n.rule, n.evidence, key_result=kr.title if kr else None, unit=kr.unit if kr else ""),
         "question": n.question, "dismissed": n.dismissed_at is not None}
        for n, kr in rows
    ]
    return [Reply("nudges", {"person": {"name": target.name, "email": target.email},
                             "own": target.id == ctx.person.id, "nudges": nudges})]


def _button(command: CommandHandler) -> ButtonHandler:
    async def handle(ctx: Context, event: ButtonClicked) -> list[Intent]:
        return await command(ctx, event.value)

    return handle


COMMANDS: dict[str, CommandHandler] = {
    "ack": acknowledge,
    "resolve": resolve,
    "details": ask_details,
    "dismiss": dismiss_nudge,
    "approve": approve,
    "nudges": show_nudges,
}
BUTTONS: dict[str, ButtonHandler] = {
    "blocker.ack": _button(acknowledge),
    "blocker.resolve": _button(resolve),
    "blocker.details": _button(ask_details),
    "nudge.dismiss": _button(dismiss_nudge),
    "win.approve": _button(approve),
}
