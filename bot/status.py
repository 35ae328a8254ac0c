"""`outcomebot status`: what is due and how the outbox stands, read with a few counting queries.

Kept apart from the scheduler (bot.ticker) so that `status` imports only the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.db import Database
from storage.models import DeliveryStatus
from storage.repositories.outbox_rows import outbox_counts, stuck_delivery_reasons, unreachable_people_reasons


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
    async with db.session() as session:
        counts = await outbox_counts(session, now)
        stuck = await stuck_delivery_reasons(session, list(_STUCK_STATES))
        unreachable = await unreachable_people_reasons(session)
    return Status(
        *counts,
        stuck=sorted(((count, _STUCK_STATES[state], reason) for count, state, reason in stuck), key=lambda r: (-r[0], r[2])),
        unreachable_people=sorted(unreachable, key=lambda r: (-r[0], r[1])),
    )
