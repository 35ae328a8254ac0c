"""A check-in's submitted answers as the form's fields, so editing starts from them.

Field names are the check-in form's (bot/checkin_form.py): kr.<id>.value|confidence|note,
blocker.<n>.text|kr, win.<n>.text|kr|share, reflection.<n>. Wins the bot drafted itself
(a key result reaching its target) are not the person's answers and are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from datetime import datetime

from storage.models import Blocker, BlockerStatus, CheckIn, KRUpdate, Win, WinStatus


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


async def submitted_answers(session: AsyncSession, checkin: CheckIn, questions: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    updates = (await session.exec(select(KRUpdate).where(KRUpdate.checkin_id == checkin.id))).all()
    for update in updates:
        base = f"kr.{update.key_result_id}"
        values.update({f"{base}.value": _number(update.value), f"{base}.confidence": str(update.confidence),
                       f"{base}.note": update.note or ""})
    blockers = (await session.exec(select(Blocker).where(Blocker.checkin_id == checkin.id).order_by(Blocker.id))).all()
    for n, blocker in enumerate(blockers, start=1):
        values[f"blocker.{n}.text"] = blocker.text
        values[f"blocker.{n}.kr"] = str(blocker.key_result_id or "")
    wins = (await session.exec(select(Win).where(Win.checkin_id == checkin.id, Win.status != WinStatus.draft.value)
                               .order_by(Win.id))).all()
    for n, win in enumerate(wins, start=1):
        values[f"win.{n}.text"] = win.text
        values[f"win.{n}.kr"] = str(win.key_result_id or "")
        values[f"win.{n}.share"] = "true" if win.share else "false"
    for n, question in enumerate(questions, start=1):
        if (checkin.reflections or {}).get(question):
            values[f"reflection.{n}"] = checkin.reflections[question]
    return values


async def open_blockers_before(session: AsyncSession, checkin: CheckIn, *, limit: int) -> list[Blocker]:
    """The person's blockers not resolved, from other check-ins or told outside one, oldest first."""
    rows = await session.exec(
        select(Blocker)
        .where(Blocker.person_id == checkin.person_id, Blocker.status != BlockerStatus.resolved.value,
               (Blocker.checkin_id != checkin.id) | Blocker.checkin_id.is_(None))  # type: ignore[union-attr]
        .order_by(Blocker.created_at, Blocker.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    return list(rows.all())


def age_in_days(created_at: datetime, now: datetime) -> int:
    return max(0, (now - created_at).days)
