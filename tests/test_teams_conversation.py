"""Teams end to end: install, a scheduled prompt sent proactively, the card answered and
updated in place, commands as text, and the connector's refusals — through /api/messages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot.config import Channels, TeamChannels
from bot.teams.references import remember_team_channel
from storage.models import Blocker, CheckIn, CheckInStatus, Delivery, DeliveryStatus, KRUpdate, Person, Team, Win
from tests import teams_activities as act
from tests.orgchart import NOW, make_org, org_config
from tests.teams_harness import TeamsHarness, running_teams
from tests.channel_helpers import channelled
from tests.identity_helpers import linked

MONDAY_AFTER_NINE_NEW_YORK = datetime(2026, 11, 30, 14, 1, tzinfo=timezone.utc)
BOB = act.user("29:bob", None, "Bob")  # Teams often leaves aadObjectId out; the bot looks it up
MAYA = act.user("29:maya", "aad-maya", "Maya")
OTHER_TENANT = "0badbeef-0000-4000-8000-000000000666"
DIRECTORY = {
    "29:bob": {"id": "29:bob", "name": "Bob", "aadObjectId": "aad-bob", "email": "Bob@X.com", "userPrincipalName": "bob@x.com"},
    "29:maya": {"id": "29:maya", "name": "Maya", "aadObjectId": "aad-maya", "email": "maya@x.com"},
}


@pytest.fixture
async def teams(db):
    ids = await make_org(db)
    async with running_teams(db, members=DIRECTORY) as harness:
        harness.ids = ids
        yield harness


async def install(teams: TeamsHarness, who: dict = BOB, conversation: str = "a:conv-bob") -> None:
    response = await teams.post(act.personal_install(teams.url, who, conversation))
    assert response.status in (200, 201)


async def prompt_bob(teams: TeamsHarness) -> Delivery:
    await install(teams)
    teams.connector.calls.clear()
    await teams.tick(NOW)
    result = await teams.tick(MONDAY_AFTER_NINE_NEW_YORK)
    assert result.send.sent >= 1
    async with teams.db.session() as session:
        return (await session.exec(select(Delivery).where(Delivery.address == "a:conv-bob"))).one()


def answers(kr: int, **overrides: str) -> dict[str, str]:
    values = {f"kr.{kr}.value": "20", f"kr.{kr}.confidence": "6", f"kr.{kr}.note": "second shift helps",
              "blocker.1.text": "Need a second on-call <at>Maya</at> **now**", "blocker.1.kr": str(kr),
              "blocker.2.text": "", "blocker.2.kr": "", "win.1.text": "Replies under 10 hours", "win.1.share": "true",
              "win.2.text": "", "win.2.share": "false"}
    values.update(overrides)
    return values


async def test_installing_the_bot_remembers_the_persons_chat_and_greets_them(teams: TeamsHarness) -> None:
    await install(teams)
    async with teams.db.session() as session:
        [bob] = await linked(session, [await session.get(Person, teams.ids["bob"])])
    assert bob.teams_user_id == "aad-bob"  # matched by email, AAD id learnt
    assert bob.teams_conversation_ref["conversation"]["id"] == "a:conv-bob"
    assert bob.teams_conversation_ref["serviceUrl"] == teams.url
    [greeting] = teams.connector.sent("a:conv-bob")
    assert "Hi Bob" in " ".join(greeting.texts())


async def test_an_install_delivered_twice_greets_the_person_once(teams: TeamsHarness) -> None:
    activity = act.personal_install(teams.url, BOB, "a:conv-bob")
    assert (await teams.post(activity)).status in (200, 201)
    assert (await teams.post(activity)).status in (200, 201)  # Teams redelivers on a slow answer
    [greeting] = teams.connector.sent("a:conv-bob")
    assert "Hi Bob" in " ".join(greeting.texts())


async def test_scheduled_prompt_is_answered_on_the_card_stored_and_the_card_updated(teams: TeamsHarness) -> None:
    prompt = await prompt_bob(teams)
    [posted] = teams.connector.sent("a:conv-bob")
    assert posted.method == "POST" and prompt.message_ref == "activity-2"
    kr = teams.ids["first-reply-hours"]
    assert f"kr.{kr}.value" in posted.inputs()
    submit = posted.card["actions"][0]["data"]
    teams.connector.calls.clear()

    response = await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", prompt.message_ref, {**submit, **answers(kr)}))
    assert response.status in (200, 201)

    async with teams.db.session() as session:
        checkin = await session.get(CheckIn, int(submit["checkin_id"]))
        assert checkin.status == CheckInStatus.answered
        [update] = (await session.exec(select(KRUpdate))).all()
        assert (update.value, update.confidence, update.note) == (20.0, 6, "second shift helps")
        [blocker] = (await session.exec(select(Blocker))).all()
        assert blocker.text == "Need a second on-call <at>Maya</at> **now**" and blocker.key_result_id == kr
        [win] = (await session.exec(select(Win))).all()
        assert win.share is True
    replaced, recorded = teams.connector.sent("a:conv-bob")
    assert (replaced.method, replaced.activity_id) == ("PUT", prompt.message_ref)
    assert "Checked in for" in " ".join(replaced.texts()) and not replaced.inputs()
    assert recorded.method == "POST" and "Recorded your check-in" in " ".join(recorded.texts())

    teams.connector.calls.clear()
    await teams.tick(MONDAY_AFTER_NINE_NEW_YORK + timedelta(minutes=1))  # the outbox's checkin_done update
    assert [(c.method, c.activity_id) for c in teams.connector.sent()] == [("PUT", prompt.message_ref)]


async def test_the_same_submission_delivered_twice_is_recorded_once(teams: TeamsHarness) -> None:
    prompt = await prompt_bob(teams)
    kr = teams.ids["first-reply-hours"]
    submit = teams.connector.sent("a:conv-bob")[0].card["actions"][0]["data"]
    activity = act.card_submit(teams.url, BOB, "a:conv-bob", prompt.message_ref, {**submit, **answers(kr)})
    assert (await teams.post(activity)).status == 201
    assert (await teams.post(activity)).status == 201
    async with teams.db.session() as session:
        assert len((await session.exec(select(Win))).all()) == 1
        assert len((await session.exec(select(Blocker))).all()) == 1


async def test_invalid_card_input_comes_back_on_the_card_with_what_was_typed(teams: TeamsHarness) -> None:
    prompt = await prompt_bob(teams)
    kr = teams.ids["first-reply-hours"]
    submit = teams.connector.sent("a:conv-bob")[0].card["actions"][0]["data"]
    teams.connector.calls.clear()
    typed = answers(kr, **{f"kr.{kr}.value": "", f"kr.{kr}.confidence": "11"})
    await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", prompt.message_ref, {**submit, **typed}))

    [again] = teams.connector.sent("a:conv-bob")
    assert (again.method, again.activity_id) == ("PUT", prompt.message_ref)
    texts = " ".join(again.texts())
    assert "Hours to first reply" in texts and "you typed '11'" in texts
    inputs = again.inputs()
    assert inputs["blocker.1.text"]["value"] == typed["blocker.1.text"]
    assert inputs["win.1.text"]["value"] == "Replies under 10 hours" and inputs["win.1.share"]["value"] == "true"
    async with teams.db.session() as session:
        assert (await session.exec(select(KRUpdate))).all() == []
        assert (await session.get(CheckIn, int(submit["checkin_id"]))).status != CheckInStatus.answered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("okrs", "Your OKRs, Bob"),
        ("blockers", "You have no open blockers."),
        ("outcomes", "Customers stay because they succeed"),
        ("help", "Here is what I can do"),
        ("make me a sandwich", "I did not understand"),
        ("win Closed the backlog of tickets", "Nice one, Bob"),
        ("checkin", "Check-in for"),
    ],
)
async def test_each_command_typed_in_the_personal_chat_is_answered_there(teams: TeamsHarness, text: str, expected: str) -> None:
    await install(teams)
    teams.connector.calls.clear()
    await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", text))
    [answer] = teams.connector.sent("a:conv-bob")
    assert expected in " ".join(answer.texts())


async def test_checkin_command_opens_a_card_that_can_be_submitted(teams: TeamsHarness) -> None:
    await install(teams)
    teams.connector.calls.clear()
    await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "checkin"))
    [card] = teams.connector.sent("a:conv-bob")
    submit = card.card["actions"][0]["data"]
    kr = teams.ids["first-reply-hours"]
    teams.connector.calls.clear()
    await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", "activity-9", {**submit, **answers(kr)}))
    assert [c.method for c in teams.connector.sent()] == ["PUT", "POST"]
    async with teams.db.session() as session:
        assert (await session.get(CheckIn, int(submit["checkin_id"]))).status == CheckInStatus.answered


async def test_manager_mentions_the_bot_in_a_channel_and_gets_a_reports_okrs_privately(teams: TeamsHarness) -> None:
    await install(teams, MAYA, "a:conv-maya")
    teams.connector.calls.clear()
    mention_bob = {"type": "mention", "text": "<at>Bob</at>", "mentioned": {"id": "29:bob", "name": "Bob"}}
    activity = act.channel_mention(teams.url, MAYA, "okrs <at>Bob</at>", mentions=[mention_bob])
    assert (await teams.post(activity)).status == 201

    [private] = teams.connector.sent("a:conv-maya")
    assert "OKRs of Bob" in " ".join(private.texts()) and "Hours to first reply" in " ".join(private.texts())
    [note] = [c for c in teams.connector.sent() if c.conversation_id.startswith(act.CHANNEL_ID)]
    assert "personal chat" in " ".join(note.texts())
    assert "Hours to first reply" not in " ".join(note.texts())


async def test_channel_messages_that_do_not_mention_the_bot_are_left_alone(teams: TeamsHarness) -> None:
    activity = act.channel_mention(teams.url, MAYA, "okrs")
    activity["entities"], activity["text"] = [], "okrs for lunch?"
    assert (await teams.post(activity)).status == 201
    assert teams.connector.sent() == []


async def platform_channel(teams: TeamsHarness) -> dict | None:
    async with teams.db.session() as session:
        [team] = await channelled(session, [(await session.exec(select(Team).where(Team.name == "Platform"))).one()])
        return team.teams_channel_ref


async def test_installing_in_a_team_of_our_own_tenant_remembers_its_channel_for_announcements(teams: TeamsHarness) -> None:
    await install(teams, MAYA, "a:conv-maya")  # the organisation's tenant is now known
    await teams.post(act.team_install(teams.url, MAYA))
    assert (await platform_channel(teams))["conversation"]["id"] == act.CHANNEL_ID


async def test_a_team_named_like_ours_in_another_tenant_cannot_take_over_its_win_channel(teams: TeamsHarness) -> None:
    await install(teams, MAYA, "a:conv-maya")
    await teams.post(act.team_install(teams.url, MAYA))
    intruder = act.user("29:eve", "aad-eve", "Eve")
    await teams.post(act.team_install(teams.url, intruder, team=act.TEAM | {"id": "19:evil@thread.tacv2"},
                                      channel_id="19:evil-general@thread.tacv2", tenant=OTHER_TENANT))
    assert (await platform_channel(teams))["conversation"]["id"] == act.CHANNEL_ID


async def test_a_channel_configured_in_app_yaml_is_accepted_from_any_tenant(db) -> None:
    await make_org(db)
    channels = Channels(teams={"Platform": TeamChannels(teams="19:partner-wins@thread.tacv2")})
    config = org_config(teams_allow_unauthenticated=True, channels=channels)
    async with running_teams(db, config=config, members=DIRECTORY) as teams:
        shared = act.team_install(teams.url, MAYA, team={"id": "19:partner@thread.tacv2", "name": "Partner space"},
                                  channel_id="19:partner-wins@thread.tacv2", tenant=OTHER_TENANT)
        assert (await teams.post(shared)).status in (200, 201)
        assert (await platform_channel(teams))["conversation"]["id"] == "19:partner-wins@thread.tacv2"


@pytest.mark.parametrize(("tenant", "accepted"), [(act.TENANT, True), (OTHER_TENANT, False)], ids=["ours", "foreign"])
async def test_single_tenant_bot_accepts_a_team_by_name_only_from_its_own_tenant(db, tenant: str, accepted: bool) -> None:
    await make_org(db)
    reference = {"conversation": {"id": "19:general@thread.tacv2", "tenantId": tenant}, "serviceUrl": "http://127.0.0.1:9/"}
    stored = await remember_team_channel(db, org_config(), reference=reference, team_name="platform",
                                         team_id="19:t@thread.tacv2", org_tenants={act.TENANT})
    assert (stored is not None) is accepted
    async with db.session() as session:
        [team] = await channelled(session, [(await session.exec(select(Team).where(Team.name == "Platform"))).one()])
    assert (team.teams_channel_ref == reference) is accepted


async def test_a_team_install_by_name_alone_waits_until_someone_of_the_organisation_used_the_bot(teams: TeamsHarness) -> None:
    await teams.post(act.team_install(teams.url, MAYA))  # multi-tenant, no tenant of ours seen yet
    assert await platform_channel(teams) is None


async def test_person_who_removed_the_bot_is_marked_unreachable_and_not_retried(teams: TeamsHarness) -> None:
    await install(teams)
    await teams.tick(NOW)
    teams.connector.fail_next(403)
    result = await teams.tick(MONDAY_AFTER_NINE_NEW_YORK)
    assert result.send.unreachable == 1
    async with teams.db.session() as session:
        bob = await session.get(Person, teams.ids["bob"])
        delivery = (await session.exec(select(Delivery).where(Delivery.address == "a:conv-bob"))).one()
    assert bob.unreachable_reason and delivery.status == DeliveryStatus.unreachable
    attempts = teams.connector.attempts
    await teams.tick(MONDAY_AFTER_NINE_NEW_YORK + timedelta(hours=1))
    assert teams.connector.attempts == attempts


async def test_throttled_prompt_is_retried_no_sooner_than_teams_asked(teams: TeamsHarness) -> None:
    await install(teams)
    await teams.tick(NOW)
    teams.connector.calls.clear()
    teams.connector.fail_next(429, retry_after="120")
    result = await teams.tick(MONDAY_AFTER_NINE_NEW_YORK)
    # Bob's 429, plus the people who never installed the app: they wait, not in the console inbox.
    assert result.send.sent == 0 and result.send.retried >= 1 and teams.connector.sent() == []
    await teams.tick(MONDAY_AFTER_NINE_NEW_YORK + timedelta(seconds=60))
    assert teams.connector.sent() == []
    result = await teams.tick(MONDAY_AFTER_NINE_NEW_YORK + timedelta(seconds=121))
    assert result.send.sent == 1 and len(teams.connector.sent("a:conv-bob")) == 1


async def test_prompt_queued_before_the_persons_chat_changed_arrives_in_the_new_chat(teams: TeamsHarness) -> None:
    await install(teams)
    await teams.tick(NOW)
    teams.connector.fail_next(429, retry_after="60")
    result = await teams.tick(MONDAY_AFTER_NINE_NEW_YORK)  # queued for a:conv-bob, not sent yet
    assert result.send.sent == 0  # 429 for Bob; people without the app wait (never the console inbox)
    await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob-reinstalled", "help"))
    teams.connector.calls.clear()

    result = await teams.tick(MONDAY_AFTER_NINE_NEW_YORK + timedelta(seconds=61))
    assert result.send.sent == 1
    [prompt] = teams.connector.sent("a:conv-bob-reinstalled")
    assert prompt.method == "POST" and prompt.inputs()
    assert teams.connector.sent("a:conv-bob") == []

