"""`outcomebot status`: what is due and how the outbox stands, read with a few counting queries.

Kept apart from the scheduler (bot.ticker) so that `status` imports only the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func, select

from storage.db import Database
from storage.models import Delivery, DeliveryStatus, Person, PromptSchedule


_STUCK_STATES = {DeliveryStatus.pending.value: "waiting", DeliveryStatus.failed.value: "failed",
                 DeliveryStatus.unreachable.value: "unreachable"}


@dataclass
class Status:
    due_prompts: int
    due_deliveries: int
    by_status: dict[str, int]
    next_prompt_at: datetime | None
    # Messages that did not go out, by what happened and why (the sender's last error), most first.
    stuck: list[tuple[int, str, str]] = field(default_factory=list)
    unreachable_people: list[tuple[int, str]] = field(default_factory=list)  # count, reason

    def lines(self) -> list[str]:
        counts = [f"{name} {self.by_status.get(name, 0)}" for name in ("sent", "failed", "unreachable", "pending", "sending")]
        upcoming = self.next_prompt_at.isoformat() if self.next_prompt_at else "none scheduled"
        lines = [f"due prompts {self.due_prompts}", f"due deliveries {self.due_deliveries}", *counts,
                 f"next prompt at {upcoming}"]
        if self.stuck:
            lines.append("why messages are not going out:")
            lines += [f"  {count} {state}: {reason}" for count, state, reason in self.stuck]
        if self.unreachable_people:
            lines.append("people the bot cannot reach:")
            lines += [f"  {count}: {reason}" for count, reason in self.unreachable_people]
        return lines


async def read_status(db: Database, now: datetime) -> Status:
    schedule, delivery = PromptSchedule.__table__.c, Delivery.__table__.c
    async with db.session() as session:
        due_prompts = (await session.execute(
            select(func.count()).where(schedule.next_prompt_at <= now))).scalar_one()
        due_deliveries = (await session.execute(select(func.count()).where(
            delivery.status == DeliveryStatus.pending.value, delivery.next_attempt_at <= now))).scalar_one()
        by_status = dict((await session.execute(
            select(delivery.status, func.count()).group_by(delivery.status))).all())
        next_at = (await session.execute(
            select(func.min(schedule.next_prompt_at)).where(schedule.next_prompt_at > now))).scalar()
        stuck = (await session.execute(
            select(func.count(), delivery.status, delivery.last_error)
            .where(delivery.status.in_(list(_STUCK_STATES)), delivery.last_error.is_not(None))
            .group_by(delivery.status, delivery.last_error))).all()
        person = Person.__table__.c
        unreachable = (await session.execute(
            select(func.count(), person.unreachable_reason)
            .where(person.active.is_(True), person.unreachable_reason.is_not(None))
            .group_by(person.unreachable_reason))).all()
    if isinstance(next_at, str):  # SQLite aggregates lose the column type
        next_at = datetime.fromisoformat(next_at)
    if next_at is not None and next_at.tzinfo is None:
        next_at = next_at.replace(tzinfo=timezone.utc)
    return Status(
        due_prompts, due_deliveries, by_status, next_at,
        stuck=sorted(((count, _STUCK_STATES[state], reason) for count, state, reason in stuck), key=lambda r: (-r[0], r[2])),
        unreachable_people=sorted(((count, reason) for count, reason in unreachable), key=lambda r: (-r[0], r[1])),
    )
