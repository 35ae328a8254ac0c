"""One scheduler pass — plan prompts, then send what is due — wired from the configuration.

`serve` runs `Ticker.tick` every minute under APScheduler; `outcomebot tick` runs it once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.config import AppConfig
from bot.console.platform import ConsolePlatform
from bot.notifiers import PlatformNotifier
from bot.platform import ChatPlatform
from bot.process import fan_out_collections
from cadences.digest_planner import DigestPlanner
from cadences.housekeeping import prune_processed_events
from cadences.planner import Planner, PlannerSettings, PlanResult
from cadences.registry import sync_team_channels
from cadences.sender import DeliverySender, SendResult
from storage.db import Database
from storage.models import Delivery, DeliveryStatus, PromptSchedule

PRUNE_EVERY = timedelta(hours=1)


def planner_settings(config: AppConfig) -> PlannerSettings:
    return PlannerSettings(
        cadences=tuple(config.cadences),
        reminders=config.reminders,
        working_days=tuple(config.organisation.working_days),
    )


def default_platforms() -> dict[str, ChatPlatform]:
    """Platforms every process has; Slack and Teams add theirs when their tokens are set."""
    return {"console": ConsolePlatform()}


@dataclass
class TickResult:
    plan: PlanResult
    send: SendResult

    def lines(self) -> list[str]:
        p, s = self.plan, self.send
        return [
            f"scheduled {p.scheduled}", f"prompted {p.prompted}", f"reminded {p.reminded}",
            f"missed {p.missed}", f"skipped {p.skipped}", f"already answered {p.already_answered}",
            f"sent {s.sent}", f"retried {s.retried}", f"failed {s.failed}",
            f"unreachable {s.unreachable}", f"cancelled {s.cancelled}",
        ]


class Ticker:
    def __init__(
        self, config: AppConfig, db: Database, platforms: Mapping[str, ChatPlatform] | None = None, *,
        direct_messages_on: Collection[str] | None = None,
    ) -> None:
        """`direct_messages_on`: the platforms people are reached on (default: all of
        `platforms`); the demo's stand-in team channel takes no one's direct messages."""
        self.db = db
        self.team_channels = {name: (c.slack, c.teams) for name, c in config.channels.teams.items()}
        platforms = platforms or default_platforms()
        # With Slack or Teams here, people without an identity there wait instead of the console.
        chat_platforms = set(platforms if direct_messages_on is None else direct_messages_on)
        self.sender = DeliverySender(db, PlatformNotifier(platforms), config.delivery, chat_platforms=chat_platforms)
        self.planner = Planner(db, planner_settings(config), sender=self.sender)  # prompts go out per batch
        self.digests = DigestPlanner(db, config.digest, config.nudges)
        self.next_prune_at: datetime | None = None  # housekeeping runs hourly, on the first tick too

    async def tick(self, now: datetime) -> TickResult:
        if self.team_channels:
            async with self.db.transaction() as session:
                await sync_team_channels(session, self.team_channels)
        with fan_out_collections():
            plan = await self.planner.tick(now)
            await self.digests.tick(now)
            send = await self.sender.run_once(now)
        if self.next_prune_at is None or now >= self.next_prune_at:
            self.next_prune_at = now + PRUNE_EVERY
            await prune_processed_events(self.db, now)
        return TickResult(plan, send)


@dataclass
class Status:
    due_prompts: int
    due_deliveries: int
    by_status: dict[str, int]
    next_prompt_at: datetime | None

    def lines(self) -> list[str]:
        counts = [f"{name} {self.by_status.get(name, 0)}" for name in ("sent", "failed", "unreachable", "pending", "sending")]
        upcoming = self.next_prompt_at.isoformat() if self.next_prompt_at else "none scheduled"
        return [f"due prompts {self.due_prompts}", f"due deliveries {self.due_deliveries}", *counts,
                f"next prompt at {upcoming}"]


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
    if isinstance(next_at, str):  # SQLite aggregates lose the column type
        next_at = datetime.fromisoformat(next_at)
    if next_at is not None and next_at.tzinfo is None:
        from datetime import timezone

        next_at = next_at.replace(tzinfo=timezone.utc)
    return Status(due_prompts, due_deliveries, by_status, next_at)
