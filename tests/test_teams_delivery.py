"""Scheduled messages reach Teams proactively, and the connector's answers become outbox outcomes."""

from __future__ import annotations

import pytest
from botbuilder.integration.aiohttp import CloudAdapter

from bot.teams.auth import RequestAuthenticator, TeamsCredentials
from bot.teams.limits import SlidingWindow, TeamsRateLimiter
from bot.teams.platform import TeamsPlatform
from cadences.notifier import OutboundMessage, PermanentFailure, RetryLater, Unreachable
from storage.models import Person
from tests.fake_connector import FakeConnector
from tests.teams_activities import TENANT
from tests.channel_helpers import add_team
from tests.identity_helpers import link

DONE = {"checkin_id": 5, "person": {"name": "Ana Lima", "email": "ana@example.com"}, "period_label": "week 48 of 2026"}


@pytest.fixture
async def connector():
    fake = await FakeConnector().start()
    yield fake
    await fake.close()


@pytest.fixture
def platform(db) -> TeamsPlatform:
    auth = RequestAuthenticator(TeamsCredentials(None, None, None), allow_unauthenticated=True)
    return TeamsPlatform(adapter=CloudAdapter(auth.botframework), app_id=None, db=db)


def stored_reference(service_url: str, conversation_id: str) -> dict:
    return {
        "activityId": "1700000000001",
        "user": {"id": "29:ana", "name": "Ana Lima", "aadObjectId": "aad-ana"},
        "bot": {"id": "28:outcomebot-app-id", "name": "OutcomeBot"},
        "conversation": {"conversationType": "personal", "id": conversation_id, "tenantId": TENANT},
        "channelId": "msteams",
        "locale": "en-US",
        "serviceUrl": service_url,
    }


async def add_person(db, connector: FakeConnector) -> int:
    async with db.transaction() as session:
        person = Person(email="ana@example.com", name="Ana Lima", timezone="Europe/Berlin", country="DE")
        session.add(person)
        await session.flush()
        await link(session, person.id, teams_user_id="aad-ana",
                   teams_conversation_ref=stored_reference(connector.url, "a:conv-ana"))
        return person.id


def message_to(person_id: int | None, address: str = "a:conv-ana", **extra) -> OutboundMessage:
    return OutboundMessage(delivery_id=1, idempotency_key="k1", platform="teams", address=address,
                           template="checkin_done", context=DONE, person_id=person_id, **extra)


async def test_scheduled_message_is_posted_into_the_persons_chat_and_its_id_kept(db, connector, platform) -> None:
    person_id = await add_person(db, connector)
    sent = await platform.deliver(message_to(person_id))
    [call] = connector.sent("a:conv-ana")
    assert call.method == "POST" and call.activity_id is None
    assert sent.message_ref == "activity-1"
    assert call.card["type"] == "AdaptiveCard"
    assert "Checked in for week 48 of 2026" in " ".join(call.texts())


async def test_message_with_replace_ref_updates_the_earlier_card_in_place(db, connector, platform) -> None:
    person_id = await add_person(db, connector)
    sent = await platform.deliver(message_to(person_id, replace_ref="activity-77"))
    [call] = connector.sent()
    assert (call.method, call.activity_id) == ("PUT", "activity-77")
    assert sent.message_ref == "activity-77"


async def test_card_to_replace_in_a_chat_the_person_left_is_posted_in_their_current_chat(db, connector, platform) -> None:
    person_id = await add_person(db, connector)
    sent = await platform.deliver(message_to(person_id, address="a:conv-ana-old", replace_ref="activity-77"))
    [call] = connector.sent()
    assert (call.conversation_id, call.method, call.activity_id) == ("a:conv-ana", "POST", None)
    assert sent.message_ref == "activity-1"


async def test_forbidden_means_the_person_is_unreachable_and_marked_so(db, connector, platform) -> None:
    person_id = await add_person(db, connector)
    connector.fail_next(403)
    with pytest.raises(Unreachable):
        await platform.deliver(message_to(person_id))
    async with db.session() as session:
        person = await session.get(Person, person_id)
    assert "403" in person.unreachable_reason


@pytest.mark.parametrize("status", [429, 412, 502, 504])
async def test_throttling_and_gateway_errors_come_back_to_the_outbox_once_with_retry_after(db, connector, platform, status) -> None:
    person_id = await add_person(db, connector)
    connector.fail_next(status, retry_after="7")
    with pytest.raises(RetryLater) as raised:
        await platform.deliver(message_to(person_id))
    assert raised.value.retry_after == 7.0
    assert connector.attempts == 1  # no hidden retries inside the HTTP client: the outbox decides
    assert connector.sent() == []


async def test_other_client_errors_are_permanent(db, connector, platform) -> None:
    person_id = await add_person(db, connector)
    connector.fail_next(400)
    with pytest.raises(PermanentFailure):
        await platform.deliver(message_to(person_id))


async def test_unknown_conversation_or_template_is_a_permanent_failure(db, connector, platform) -> None:
    with pytest.raises(PermanentFailure, match="no Teams conversation"):
        await platform.deliver(message_to(None, address="a:nobody"))
    person_id = await add_person(db, connector)
    with pytest.raises(PermanentFailure, match="no_such_template"):
        await platform.deliver(OutboundMessage(1, "k", "teams", "a:conv-ana", "no_such_template", {}, person_id))
    assert connector.attempts == 0


async def test_connector_that_does_not_answer_is_retried_later(db, platform) -> None:
    async with db.transaction() as session:
        session.add(Person(id=9, email="bo@example.com", name="Bo", timezone="UTC", country="DE"))
        await session.flush()
        await link(session, 9, teams_conversation_ref=stored_reference("http://127.0.0.1:9/", "a:conv-bo"))
    with pytest.raises(RetryLater):
        await platform.deliver(message_to(9, address="a:conv-bo"))


async def test_team_announcement_goes_to_the_teams_channel(db, connector, platform) -> None:
    reference = stored_reference(connector.url, "19:general@thread.tacv2")
    reference["conversation"].update(conversationType="channel", isGroup=True)
    async with db.transaction() as session:
        await add_team(session, "Platform", teams_channel_ref=reference)
    sent = await platform.deliver(message_to(None, address="19:general@thread.tacv2"))
    assert [c.conversation_id for c in connector.sent()] == ["19:general@thread.tacv2"]
    assert sent.message_ref


def test_eighth_message_in_a_second_to_one_conversation_waits_for_the_next_second() -> None:
    window = SlidingWindow(7)
    for _ in range(7):
        assert window.next_free("conv", 100.0) == 100.0
        window.reserve("conv", 100.0)
    assert window.next_free("conv", 100.2) == pytest.approx(101.0)
    assert window.next_free("other", 100.2) == 100.2


async def test_a_long_wait_for_the_tenant_limit_goes_back_to_the_outbox_instead_of_blocking() -> None:
    limiter = TeamsRateLimiter(per_tenant=2, max_wait=0.5, clock=lambda: 50.0)
    await limiter.acquire("a", "tenant")
    await limiter.acquire("b", "tenant")
    with pytest.raises(RetryLater) as raised:
        await limiter.acquire("c", "tenant")
    assert raised.value.retry_after == pytest.approx(1.0)
    await limiter.acquire("d", "other-tenant")
