"""`outcomebot status` says why messages are stuck: grouped by reason, with what to do."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.status import read_status
from tests.daily_rigs import Clock, teams_rig
from tests.test_teams_conversation import DIRECTORY, install

MONDAY_AFTER_NINE_NEW_YORK = datetime(2026, 11, 30, 14, 1, tzinfo=timezone.utc)


async def test_status_groups_waiting_messages_by_why_they_wait(db) -> None:
    async with teams_rig(db, Clock(), DIRECTORY) as teams:
        await install(teams)  # Bob has the Teams app; the others do not
        await teams.tick(datetime(2026, 11, 27, tzinfo=timezone.utc))
        await teams.tick(MONDAY_AFTER_NINE_NEW_YORK)
        status = await read_status(db, MONDAY_AFTER_NINE_NEW_YORK)
    lines = status.lines()
    start = lines.index("why messages are not going out:")
    grouped = lines[start + 1:]
    assert grouped == sorted(grouped, key=lambda line: -int(line.split()[0]))
    no_identity = next(line for line in grouped if "no Slack or Teams identity" in line)
    slack_only = next(line for line in grouped if "only a Slack identity" in line)
    assert no_identity.split()[1] == "waiting:" and int(no_identity.split()[0]) >= 4  # Cora, Oscar, Sam, Ivan, Ada
    assert "run `outcomebot slack sync`" in no_identity
    assert slack_only.split()[1] == "waiting:" and int(slack_only.split()[0]) >= 2  # Alice, Maya: no Slack here
