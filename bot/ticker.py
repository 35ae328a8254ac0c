"""One scheduler pass — plan prompts, then send what is due — wired from the configuration.

`serve` runs `Ticker.tick` every minute under APScheduler; `outcomebot tick` runs it once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import AppConfig
from bot.notifiers import PlatformNotifier
from bot.platform import ChatPlatform
from bot.platforms import default_platforms
from cadences.digest_planner import DigestPlanner
from cadences.housekeeping import prune_processed_events
from cadences.planner import Planner, PlannerSettings, PlanResult
from cadences.registry import sync_team_channels
from cadences.sender import DeliverySender, SendResult
from storage.db import Database
from bot.status import Status, read_status  # noqa: F401  (re-exported; `outcomebot status` imports bot.status alone)

PRUNE_EVERY = timedelta(hours=1)


def planner_settings(config: AppConfig) -> PlannerSettings:
    return PlannerSettings(
        cadences=tuple(config.cadences),
        reminders=config.reminders,
        working_days=tuple(config.organisation.working_days),
    )


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
        self.team_channels = {name: c.by_platform() for name, c in config.channels.teams.items()}
        platforms = platforms or default_platforms()
        # With Slack or Teams here, people without an identity there wait instead of the console.
        chat_platforms = set(platforms if direct_messages_on is None else direct_messages_on)
        self.sender = DeliverySender(db, PlatformNotifier(platforms), config.delivery, chat_platforms=chat_platforms)
        self.planner = Planner(db, planner_settings(config), sender=self.sender)  # prompts go out per batch
        self.digests = DigestPlanner(db, config.digest, config.nudges, config.organisation.working_days)
        self.next_prune_at: datetime | None = None  # housekeeping runs hourly, on the first tick too

    async def tick(self, now: datetime) -> TickResult:
        if self.team_channels:
            async with self.db.transaction() as session:
                await sync_team_channels(session, self.team_channels)
        # No interpreter-wide settings here: `serve` answers requests during a tick (bot/process.py).
        plan = await self.planner.tick(now)
        await self.digests.tick(now)
        send = await self.sender.run_once(now)
        if self.next_prune_at is None or now >= self.next_prune_at:
            self.next_prune_at = now + PRUNE_EVERY
            await prune_processed_events(self.db, now)
        return TickResult(plan, send)
