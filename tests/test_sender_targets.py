"""Direct messages go to the person's chat identity at send time, never "sent" to nobody."""

from __future__ import annotations

from datetime import timedelta

from bot.notifiers import PlatformNotifier
from cadences.outbox import enqueue_for_person, enqueue_for_team
from cadences.sender import DeliverySender
from cadences.settings import DeliveryPolicy
from storage.db import Database
from storage.models import DeliveryStatus, Person
from tests.cadence_fixtures import add_person, deliveries, planner, utc
from tests.channel_helpers import add_team
from tests.identity_helpers import link
from tests.outbox_fakes import RecordingPlatform

NOW = utc(2026, 3, 2, 8)
NO_IDENTITY = "no Slack or Teams identity: run `outcomebot slack sync` or have them install the Teams app"


class SlackPlatform(RecordingPlatform):
    name = "slack"

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []

    async def deliver(self, message):
        self.addresses.append(message.address)
        return await super().deliver(message)


def slack_sender(db: Database, console: RecordingPlatform, slack: SlackPlatform, **policy) -> DeliverySender:
    notifier = PlatformNotifier({"console": console, "slack": slack})
    return DeliverySender(db, notifier, DeliveryPolicy(**policy), chat_platforms={"console", "slack"})


async def queue_prompt(db: Database, person_id: int) -> None:
    async with db.transaction() as session:
        person = await session.get(Person, person_id)
        await enqueue_for_person(session, person, key=f"test:{person_id}:prompt", template="digest",
                                 context={"n": person_id}, now=NOW)


async def link_to_slack(db: Database, person_id: int, slack_user_id: str) -> None:
    async with db.transaction() as session:
        await link(session, person_id, slack_user_id=slack_user_id)


async def test_someone_linked_to_slack_after_their_prompt_was_queued_gets_it_on_slack(db: Database) -> None:
    ann = await add_person(db, "ann@example.com")
    await queue_prompt(db, ann)  # queued before `outcomebot slack sync`: addressed to the console
    await link_to_slack(db, ann, "U0ANN")
    console, slack = RecordingPlatform(), SlackPlatform()
    result = await slack_sender(db, console, slack).run_once(NOW)
    assert result.sent == 1 and slack.addresses == ["U0ANN"] and not console.received
    [row] = await deliveries(db)
    assert (row.status, row.platform, row.address) == (DeliveryStatus.sent, "slack", "U0ANN")


async def test_someone_without_a_chat_identity_is_not_sent_to_the_console_but_gets_it_once_linked(db: Database) -> None:
    bob = await add_person(db, "bob@example.com")
    await queue_prompt(db, bob)
    console, slack = RecordingPlatform(), SlackPlatform()
    send = slack_sender(db, console, slack)
    first = await send.run_once(NOW)
    assert (first.sent, first.retried) == (0, 1) and not console.received and not slack.received
    [row] = await deliveries(db)
    assert row.status == DeliveryStatus.pending and row.last_error == NO_IDENTITY
    assert row.next_attempt_at >= NOW + timedelta(hours=1)  # a long wait: they may be linked by then
    assert (await send.run_once(NOW + timedelta(minutes=30))).claimed == 0
    await link_to_slack(db, bob, "U0BOB")
    later = await send.run_once(NOW + timedelta(hours=1, minutes=1))
    assert later.sent == 1 and slack.addresses == ["U0BOB"] and not console.received


async def test_someone_never_linked_is_failed_after_the_attempts_with_what_to_do(db: Database) -> None:
    cy = await add_person(db, "cy@example.com")
    await queue_prompt(db, cy)
    console, slack = RecordingPlatform(), SlackPlatform()
    send = slack_sender(db, console, slack, max_attempts=3)
    for hour in range(3):
        await send.run_once(NOW + timedelta(hours=2 * hour))
    [row] = await deliveries(db)
    assert row.status == DeliveryStatus.failed and row.attempts == 3
    assert row.last_error == f"after 3 attempt(s): {NO_IDENTITY}"
    assert not console.received and not slack.received


async def test_prompts_planned_while_slack_is_enabled_reach_only_people_on_slack(db: Database) -> None:
    await add_person(db, "ann@example.com", slack_user_id="U0ANN")
    await add_person(db, "bob@example.com")  # not linked yet
    console, slack = RecordingPlatform(), SlackPlatform()
    send = slack_sender(db, console, slack)
    plan = planner(db, sender=send)  # as `serve` wires it: prompts handed to the sender per batch
    await plan.tick(utc(2026, 3, 1, 12))
    await plan.tick(NOW)
    assert slack.addresses == ["U0ANN"] and not console.received
    waiting = [row for row in await deliveries(db) if row.status == DeliveryStatus.pending]
    assert [(row.person_id, row.last_error) for row in waiting] == [(2, NO_IDENTITY)]


async def test_a_team_channel_announcement_keeps_its_channel(db: Database) -> None:
    await add_person(db, "ann@example.com", slack_user_id="U0ANN")
    async with db.transaction() as session:
        team = await add_team(session, "Platform", slack_channel_id="C0WINS")
        await enqueue_for_team(session, team, key="win:1", template="digest", context={"n": 1}, now=NOW)
    console, slack = RecordingPlatform(), SlackPlatform()
    assert (await slack_sender(db, console, slack).run_once(utc(2030, 1, 1))).sent == 1
    assert slack.addresses == ["C0WINS"]


async def test_without_a_chat_platform_the_console_inbox_still_gets_everyone(db: Database) -> None:
    dee = await add_person(db, "dee@example.com")
    await queue_prompt(db, dee)
    console = RecordingPlatform()
    sender = DeliverySender(db, PlatformNotifier({"console": console}), DeliveryPolicy(), chat_platforms={"console"})
    assert (await sender.run_once(NOW)).sent == 1 and list(console.received) == ["test:1:prompt"]


async def test_people_waiting_for_an_identity_do_not_hold_up_those_queued_behind_them(db: Database) -> None:
    waiting = [await add_person(db, f"w{n}@example.com") for n in range(3)]
    linked = await add_person(db, "eve@example.com", slack_user_id="U0EVE")
    for person_id in (*waiting, linked):
        await queue_prompt(db, person_id)
    console, slack = RecordingPlatform(), SlackPlatform()
    result = await slack_sender(db, console, slack, batch_size=1).run_once(NOW)  # one row per claim
    assert (result.retried, result.sent) == (3, 1) and slack.addresses == ["U0EVE"] and not console.received
