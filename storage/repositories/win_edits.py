"""Wins when a check-in is edited: a changed win replaces the check-in's own, never adds one.

Like blockers (storage.repositories.checkins._blocker_changes): a win whose text the check-in
holds already keeps its id (its sharing may change, unless it was posted); a changed text
takes over the first of the check-in's wins the answers no longer name, oldest first, so an
edit replaces. Wins the bot drafted itself (a key result reaching its target) are not taken
over. An edited win that was posted stays posted: its announcement is updated in place
(cadences.wins), and one still waiting in the outbox is rewritten before it goes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, DeliveryStatus, WinStatus

WIN_ANNOUNCEMENT = "win_announcement"


class WinAnswerLike(Protocol):
    text: str
    share: bool
    key_result_id: int | None


def same_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def win_changes(answers: Iterable[WinAnswerLike], earlier: list, checkin, owned: Mapping[int, object],
                now: datetime) -> tuple[list[dict[str, Any]], list]:
    """The win rows to insert, and the earlier StoredWins rewritten (text, sharing, key result)."""
    from storage.repositories.checkins import StoredWin

    own = [w for w in earlier if w.status != WinStatus.draft]
    by_text = {same_text(w.text): w for w in earlier}
    wanted: dict[str, WinAnswerLike] = {}
    for win in answers:
        wanted.setdefault(same_text(win.text), win)
    replaceable = [w for w in own if same_text(w.text) not in wanted]
    inserted: list[dict[str, Any]] = []
    edited: list = []
    for same, win in wanted.items():
        link = win.key_result_id if win.key_result_id in owned else None
        kept = by_text.get(same)
        if kept is not None:
            if kept.status not in (WinStatus.draft, WinStatus.posted) and kept.share != win.share:
                edited.append(StoredWin(kept.id, checkin.person_id, checkin.id, kept.key_result_id, kept.text, win.share,
                                        _status(win.share, kept.status)))
            continue
        if replaceable:
            old = replaceable.pop(0)
            edited.append(StoredWin(old.id, checkin.person_id, checkin.id, link, win.text, win.share or old.status == WinStatus.posted,
                                    _status(win.share, old.status)))
        else:
            status = WinStatus.approved if win.share else WinStatus.private
            inserted.append({"person_id": checkin.person_id, "checkin_id": checkin.id, "key_result_id": link,
                             "text": win.text, "share": win.share, "status": status.value, "created_at": now})
    return inserted, edited


def _status(share: bool, before: str) -> str:
    if before == WinStatus.posted:
        return WinStatus.posted.value  # announced already: the announcement is updated, not withdrawn
    return (WinStatus.approved if share else WinStatus.private).value


async def sent_announcements(session: AsyncSession, win_id: int) -> list[tuple[str, str, int | None, str]]:
    """(platform, address, team id, message ref) of each announcement of this win that went out."""
    rows = await session.exec(
        select(Delivery.platform, Delivery.address, Delivery.team_id, Delivery.message_ref)
        .where(Delivery.win_id == win_id, Delivery.template == WIN_ANNOUNCEMENT,
               Delivery.status == DeliveryStatus.sent.value, Delivery.message_ref.is_not(None))  # type: ignore[union-attr]
        .order_by(Delivery.id)
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def rewrite_waiting_announcements(session: AsyncSession, win_id: int, context: Mapping[str, Any]) -> None:
    """An announcement not sent yet goes out with the edited text."""
    await session.exec(
        update(Delivery)
        .where(Delivery.win_id == win_id, Delivery.template == WIN_ANNOUNCEMENT,  # type: ignore[arg-type]
               Delivery.status.in_([DeliveryStatus.pending.value, DeliveryStatus.failed.value]))  # type: ignore[attr-defined]
        .values(context=dict(context))
    )
