"""Wins reach the author's team channel only with their consent, naming the outcome they advanced."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.config import AppConfig, Organisation
from bot.fake import FakeChat
from bot.console.platform import ConsolePlatform
from bot.router import Router
from bot.ticker import Ticker
from cadences.notifier import OutboundMessage, PermanentFailure, RetryLater, Sent
from storage.models import Delivery, Win, WinStatus
from tests.manager_team import NOW, seed_team

OUTCOME = "New customers succeed in their first week"


@pytest.fixture
async def team(db):
    async with db.transaction() as session:
        return await seed_team(session)


def chat_config() -> AppConfig:
    return AppConfig(organisation=Organisation(name="X", timezone="Europe/Berlin", country="DE", admins=("zoe@example.com",)))


@pytest.fixture
def chat(db, team) -> FakeChat:
    return FakeChat(Router(chat_config(), db, now=NOW))


async def deliveries(db, template: str) -> list[Delivery]:
    async with db.session() as session:
        return list((await session.exec(select(Delivery).where(Delivery.template == template).order_by(Delivery.id))).all())


async def wins_of(db, person_id: int) -> list[Win]:
    async with db.session() as session:
        return list((await session.exec(select(Win).where(Win.person_id == person_id).order_by(Win.id))).all())


async def test_a_win_shared_in_the_check_in_is_announced_in_the_team_channel_and_a_private_one_is_not(db, team, chat) -> None:
    await chat.say("chloe@example.com", "checkin")
    activation = team.krs["activation"].id
    await chat.submit("chloe@example.com", {
        f"kr.{activation}.value": "38", f"kr.{activation}.confidence": "8",
        "win.1.text": "Three enterprise trials activated <!channel>", "win.1.share": "yes",
        "win.2.text": "Finally slept well", "win.2.share": "",
    })
    [announcement] = await deliveries(db, "win_announcement")
    assert (announcement.platform, announcement.address) == ("slack", "C0PLATFORM")
    assert announcement.context["win"]["text"] == "Three enterprise trials activated <!channel>"
    assert announcement.context["person"] == {"name": "Chloe"}
    assert "Finally slept well" not in str(await deliveries(db, "win_announcement"))
    statuses = {w.text: w.status for w in await wins_of(db, team.id("Chloe"))}
    assert statuses["Finally slept well"] == WinStatus.private
    assert statuses["Three enterprise trials activated <!channel>"] == WinStatus.approved


async def test_a_key_result_crossing_its_target_drafts_a_win_that_is_posted_only_after_approval(db, team, chat) -> None:
    await chat.say("chloe@example.com", "checkin")
    activation = team.krs["activation"].id
    await chat.submit("chloe@example.com", {f"kr.{activation}.value": "41", f"kr.{activation}.confidence": "9"})
    [draft] = await deliveries(db, "win_draft")
    assert draft.address == "UCHLOE" and draft.context["reason"] == "target_met"
    assert draft.context["win"]["key_result"] == "Trial activation rate" and draft.context["win"]["outcome"] == OUTCOME
    assert await deliveries(db, "win_announcement") == []

    win_id = draft.context["win"]["id"]
    assert "no win" in await chat.say("ben@example.com", f"approve {win_id}")  # a peer cannot consent for her
    assert "no win" in await chat.say("maya@example.com", f"approve {win_id}")  # nor can her manager
    assert await deliveries(db, "win_announcement") == []

    assert "will be posted" in await chat.click("chloe@example.com", "win.approve", str(win_id))
    [announcement] = await deliveries(db, "win_announcement")
    assert announcement.address == "C0PLATFORM" and announcement.context["win"]["outcome"] == OUTCOME
    assert "already" in await chat.say("chloe@example.com", f"approve {win_id}")
    assert len(await deliveries(db, "win_announcement")) == 1


async def test_the_same_value_again_does_not_draft_a_second_target_win(db, team, chat) -> None:
    emails = team.krs["emails"].id  # Eve reached 10 of 10 last week
    conversion = team.krs["conversion"].id
    await chat.say("eve@example.com", "checkin")
    await chat.submit("eve@example.com", {f"kr.{emails}.value": "10", f"kr.{emails}.confidence": "9",
                                          f"kr.{conversion}.value": "6", f"kr.{conversion}.confidence": "5"})
    assert await deliveries(db, "win_draft") == []


async def test_win_command_asks_the_author_before_anything_reaches_a_channel(db, team, chat) -> None:
    reply = await chat.say("pia@example.com", "win Signed the Globex pilot")
    assert "Signed the Globex pilot" in reply
    [draft] = await deliveries(db, "win_draft")
    assert (draft.platform, draft.address, draft.context["reason"]) == ("console", "pia@example.com", "command")
    assert await deliveries(db, "win_announcement") == []
    assert [w.status for w in await wins_of(db, team.id("Pia"))] == [WinStatus.draft]

    await chat.say("pia@example.com", f"approve {draft.context['win']['id']}")
    [announcement] = await deliveries(db, "win_announcement")
    assert (announcement.platform, announcement.address) == ("teams", "19:growth@thread.tacv2")
    assert announcement.context["team"] == "Growth"


async def test_a_win_without_a_team_channel_is_approved_and_the_author_is_told(db, team, chat) -> None:
    await chat.say("carla@example.com", "win Closed the quarter early")
    [draft] = await deliveries(db, "win_draft")
    reply = await chat.say("carla@example.com", f"approve {draft.context['win']['id']}")
    assert "no channel" in reply
    assert await deliveries(db, "win_announcement") == []


async def test_a_win_linked_to_a_key_result_in_the_check_in_names_its_outcome_in_the_channel(db, team, chat) -> None:
    await chat.say("chloe@example.com", "checkin")
    activation = team.krs["activation"].id
    await chat.submit("chloe@example.com", {
        f"kr.{activation}.value": "38", f"kr.{activation}.confidence": "8",
        "win.1.text": "Three enterprise trials activated", "win.1.share": "yes", "win.1.kr": str(activation),
    })
    [announcement] = await deliveries(db, "win_announcement")
    assert announcement.context["win"]["key_result"] == "Trial activation rate"
    assert announcement.context["win"]["outcome"] == OUTCOME
    linked = {w.text: w.key_result_id for w in await wins_of(db, team.id("Chloe"))}
    assert linked["Three enterprise trials activated"] == activation


async def test_a_win_linked_to_someone_elses_key_result_is_refused_in_place(db, team, chat) -> None:
    await chat.say("chloe@example.com", "checkin")
    activation = team.krs["activation"].id
    reply = await chat.submit("chloe@example.com", {
        f"kr.{activation}.value": "38", f"kr.{activation}.confidence": "8",
        "win.1.text": "Latency is down", "win.1.kr": str(team.krs["latency"].id),
    })
    assert "pick one of your key results" in reply
    assert [w.text for w in await wins_of(db, team.id("Chloe"))] == ["Activation crossed 35% for the first time"]


async def test_win_with_a_key_result_tag_names_the_outcome_and_an_unknown_tag_is_refused(db, team, chat) -> None:
    await chat.say("eve@example.com", "win #EMAILS All ten onboarding emails are live")
    [draft] = await deliveries(db, "win_draft")
    assert draft.context["win"]["text"] == "All ten onboarding emails are live"
    assert (draft.context["win"]["key_result"], draft.context["win"]["outcome"]) == (
        "Onboarding emails shipped", "Trials turn into paying customers")

    reply = await chat.say("eve@example.com", "win #latency Checkout is fast")  # Ben's, not hers
    assert "#latency is not one of your current key results" in reply and "#emails" in reply
    assert [w.text for w in await wins_of(db, team.id("Eve"))] == ["All ten onboarding emails are live"]
    await chat.say("eve@example.com", "win We are #1 in the onboarding survey")  # a tag only leads
    assert (await wins_of(db, team.id("Eve")))[-1].key_result_id is None


class TeamChannel:
    """The Slack channel the team's announcements go to: takes them, or refuses them as told."""

    name = "slack"

    def __init__(self, refuse: Exception | None = None) -> None:
        self.refuse = refuse
        self.announced: list[str] = []

    async def deliver(self, message: OutboundMessage) -> Sent:
        if message.template == "win_announcement":
            if self.refuse is not None:
                raise self.refuse
            self.announced.append(message.context["win"]["text"])
        return Sent(message_ref=f"ts-{message.delivery_id}")


async def share_a_win_in_the_check_in(team, chat) -> None:
    await chat.say("chloe@example.com", "checkin")
    activation = team.krs["activation"].id
    await chat.submit("chloe@example.com", {
        f"kr.{activation}.value": "38", f"kr.{activation}.confidence": "8",
        "win.1.text": "Three enterprise trials activated", "win.1.share": "yes",
    })


async def tick_with(db, channel: TeamChannel) -> None:
    await Ticker(chat_config(), db, {"slack": channel, "console": ConsolePlatform()}).tick(NOW)


async def test_a_shared_win_is_posted_after_the_tick_that_sends_its_announcement(any_db) -> None:
    db = any_db
    async with db.transaction() as session:
        team = await seed_team(session)
    chat = FakeChat(Router(chat_config(), db, now=NOW))
    await share_a_win_in_the_check_in(team, chat)
    [win] = [w for w in await wins_of(db, team.id("Chloe")) if w.share]
    assert win.status == WinStatus.approved  # queued, not in the channel yet
    channel = TeamChannel()
    await tick_with(db, channel)
    assert channel.announced == ["Three enterprise trials activated"]
    [announcement] = await deliveries(db, "win_announcement")
    assert announcement.status == "sent"
    [win] = [w for w in await wins_of(db, team.id("Chloe")) if w.share]
    assert win.status == WinStatus.posted
    await chat.submit("chloe@example.com", {  # the check-in changed later: still posted, not announced again
        f"kr.{team.krs['activation'].id}.value": "39", f"kr.{team.krs['activation'].id}.confidence": "8",
        "win.1.text": "Three enterprise trials activated", "win.1.share": "yes",
    })
    await tick_with(db, channel)
    assert channel.announced == ["Three enterprise trials activated"]
    assert [w.status for w in await wins_of(db, team.id("Chloe")) if w.share] == [WinStatus.posted]


@pytest.mark.parametrize("refusal", [PermanentFailure("channel_not_found"), RetryLater("503 Service Unavailable")],
                         ids=["failed", "to-retry"])
async def test_a_shared_win_whose_announcement_was_not_sent_stays_approved(db, team, chat, refusal) -> None:
    await share_a_win_in_the_check_in(team, chat)
    await tick_with(db, TeamChannel(refuse=refusal))
    [announcement] = await deliveries(db, "win_announcement")
    assert announcement.status == ("failed" if isinstance(refusal, PermanentFailure) else "pending")
    assert [w.status for w in await wins_of(db, team.id("Chloe")) if w.share] == [WinStatus.approved]
