"""Wins in channels: drafts, the author's consent, and the announcement to their team's channels.

A win reaches a channel only with its author's consent: ticking "share" in the check-in form,
or approving a draft (`win.approve` / console `approve N`). `win TEXT` and a key result
crossing its target create drafts and ask the author. The announcement carries the win's text,
the author's name and the key result and outcome it advanced — nothing else from the check-in.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.outbox import delivery_row, enqueue_for_person, enqueue_for_team, enqueue_rows
from storage.models import KeyResult, Person, Team, Win, WinStatus
from storage.repositories.checkins import RecordedCheckIn
from storage.repositories.win_edits import rewrite_waiting_announcements, sent_announcements
from storage.repositories.wins import key_result_and_outcome_titles, mark_win_approved, values_answered_before

WIN_ANNOUNCEMENT = "win_announcement"  # its deliveries carry `win_id`; once one is sent the win is posted


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


async def win_context(session: AsyncSession, win: Win, author: Person) -> dict[str, Any]:
    """The same context for the draft and the announcement, on every surface."""
    kr_title = outcome_title = None
    if win.key_result_id is not None:
        kr_title, outcome_title = await key_result_and_outcome_titles(session, win.key_result_id)
    return {
        "win": {"id": win.id, "text": win.text, "key_result": kr_title, "outcome": outcome_title},
        "person": {"name": author.name},
    }


async def ask_author_to_share(session: AsyncSession, win: Win, author: Person, *, now: datetime,
                              reason: str = "command") -> None:
    """Send the author a `win_draft` with an approve button (once per win)."""
    context = {**await win_context(session, win, author), "reason": reason}
    await enqueue_for_person(session, author, key=f"win_draft:{win.id}", template="win_draft", context=context, now=now)


async def _queue_announcement(session: AsyncSession, win: Win, author: Person, *, now: datetime) -> int:
    """Queue the announcement of a shared win to the author's team channels; how many."""
    if not win.share or author.team_id is None:
        return 0
    team = await session.get(Team, author.team_id)
    if team is None:
        return 0
    context = {**await win_context(session, win, author), "team": team.name}
    return await enqueue_for_team(session, team, key=f"win:{win.id}", template=WIN_ANNOUNCEMENT, context=context,
                                  now=now, win_id=win.id)


async def _update_announcement(session: AsyncSession, win, author: Person, *, now: datetime) -> None:
    """An edited win: what went out is updated in place (chat.update, Teams update activity),
    and what waits in the outbox goes out with the new words. Never a second post."""
    team = await session.get(Team, author.team_id) if author.team_id is not None else None
    if team is None:
        return
    context = {**await win_context(session, win, author), "team": team.name}
    await rewrite_waiting_announcements(session, win.id, context)
    version = hashlib.sha256(win.text.encode()).hexdigest()[:16]
    await enqueue_rows(session, [
        delivery_row(key=f"win:{win.id}:edit:{version}:{platform}:{address}", template=WIN_ANNOUNCEMENT, context=context,
                     platform=platform, address=address, team_id=team_id, now=now, replace_ref=message_ref)
        for platform, address, team_id, message_ref in await sent_announcements(session, win.id)
    ])


async def announce_win(session: AsyncSession, win: Win, author: Person, *, now: datetime) -> int:
    """Queue the announcement to the author's team channels; returns how many channels.

    Only for wins whose author consented (`share`). The outbox key `win:{id}` makes a second
    call harmless.
    """
    channels = await _queue_announcement(session, win, author, now=now)
    if channels:
        win.status = WinStatus.approved  # approved: the announcement is in the outbox (storage.models)
        session.add(win)
    return channels


async def approve_win(session: AsyncSession, win: Win, author: Person, *, now: datetime) -> int:
    """The author said yes: share it and queue the announcement."""
    win.share = True
    return await announce_win(session, win, author, now=now)


async def after_checkin(session: AsyncSession, recorded: RecordedCheckIn, author: Person, *, now: datetime) -> None:
    """Call in the check-in's transaction, after `record_checkin`: announce the wins shared in
    the check-in, draft a win for each key result that crossed its target.

    Works from what was just recorded (the new wins, the earlier ones when the check-in was
    answered before, the key results as updated), so a check-in that shares nothing and meets
    no target costs no statement at all.
    """
    checkin = recorded.checkin
    edited, wins = _wins_of(recorded)
    for win in edited.values():
        if win.share:
            await _update_announcement(session, win, author, now=now)
    for win in wins:
        if win.share and win.status != WinStatus.posted and await _queue_announcement(session, win, author, now=now):
            if win.status != WinStatus.approved:  # approved: the announcement is in the outbox (storage.models)
                await mark_win_approved(session, win.id)
                win.status = WinStatus.approved

    reached = _reached(recorded, wins)
    if not reached:
        return
    previous = await values_answered_before(session, checkin.id, [kr.id for kr in reached])  # type: ignore[misc]
    for kr in reached:
        if _meets(kr, previous.get(kr.id, kr.baseline)):  # type: ignore[arg-type]
            continue
        value = kr.current
        unit = f" {kr.unit}" if kr.unit else ""
        win = Win(person_id=author.id, checkin_id=checkin.id, key_result_id=kr.id, status=WinStatus.draft,
                  text=f"Reached the target of “{kr.title}”: {_number(value)}{unit} (target {_number(kr.target)}{unit})."[:1000],  # type: ignore[arg-type]
                  created_at=now)
        session.add(win)
        await session.flush()
        await ask_author_to_share(session, win, author, now=now, reason="target_met")


def after_checkin_writes(recorded: RecordedCheckIn) -> bool:
    """Whether `after_checkin` may store anything for this check-in (a win shared, edited
    while shared, or a key result at its target); False means it would run no statement."""
    edited, wins = _wins_of(recorded)
    return (any(win.share for win in edited.values())
            or any(win.share and win.status != WinStatus.posted for win in wins)
            or bool(_reached(recorded, wins)))


def _wins_of(recorded: RecordedCheckIn) -> tuple[dict, list]:
    """The wins this submission edited (by id), and every win of the check-in as it now stands."""
    edited = {win.id: win for win in recorded.edited_wins}
    return edited, [*(edited.get(win.id, win) for win in recorded.earlier_wins), *recorded.new_wins]


def _reached(recorded: RecordedCheckIn, wins: list) -> list:
    """The key results now at their target that no win of this check-in is about."""
    drafted = {w.key_result_id for w in wins if w.key_result_id is not None}
    return [kr for kr in recorded.key_results if kr.id not in drafted and kr.current is not None and _meets(kr, kr.current)]


def _meets(kr: KeyResult, value: float) -> bool:
    return value >= kr.target if kr.direction == "increase" else value <= kr.target
