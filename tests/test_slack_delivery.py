"""Scheduled messages reach Slack as DMs, updates edit in place, and Slack's refusals become
the outcomes the outbox understands."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.slack.client import close_session, make_web_client
from bot.slack.platform import SlackPlatform
from cadences.notifier import OutboundMessage, PermanentFailure, RetryLater, Unreachable
from tests.fake_slack import FakeSlack
from tests.slack_samples import prompt_context


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
async def slack(fake: FakeSlack) -> AsyncIterator[SlackPlatform]:
    platform = SlackPlatform(make_web_client(token="xoxb-test", base_url=fake.api_url))
    yield platform
    await close_session(platform.client)


def prompt(address: str = "U0ANNA", **overrides) -> OutboundMessage:
    fields = dict(delivery_id=1, idempotency_key="prompt:1", platform="slack", address=address,
                  template="checkin_prompt", context=prompt_context(3), person_id=1)
    fields.update(overrides)
    return OutboundMessage(**fields)


async def test_prompt_arrives_as_a_dm_with_its_message_ref(fake: FakeSlack, slack: SlackPlatform) -> None:
    sent = await slack.deliver(prompt())
    call = fake.calls_to("chat.postMessage")[0]
    assert call.args["channel"] == "U0ANNA"
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert any(b["type"] == "actions" for b in call.args["blocks"])
    assert sent.message_ref == "D0ANNA:1700000000.000001"


async def test_answered_check_in_updates_the_prompt_in_place(fake: FakeSlack, slack: SlackPlatform) -> None:
    context = {"checkin_id": 7, "person": {"name": "Anna", "email": "a@example.com"}, "period_label": "week 48 of 2026"}
    sent = await slack.deliver(prompt(template="checkin_done", context=context, replace_ref="D0ANNA:1700000000.000001"))
    update = fake.calls_to("chat.update")[0]
    assert (update.args["channel"], update.args["ts"]) == ("D0ANNA", "1700000000.000001")
    assert "recorded" in update.args["text"]
    assert not fake.calls_to("chat.postMessage")
    assert sent.message_ref == "D0ANNA:1700000000.000001"


async def test_prompt_that_was_deleted_is_posted_again_instead_of_updated(fake: FakeSlack, slack: SlackPlatform) -> None:
    fake.fail_next("chat.update", "message_not_found")
    sent = await slack.deliver(prompt(replace_ref="D0ANNA:1.2"))
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert sent.message_ref and sent.message_ref.startswith("D0ANNA:")


async def test_short_rate_limit_is_waited_out_inline(fake: FakeSlack, slack: SlackPlatform) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=1)
    started = time.monotonic()
    sent = await slack.deliver(prompt())
    assert time.monotonic() - started >= 1
    assert len(fake.calls_to("chat.postMessage")) == 2 and sent.message_ref


async def test_long_rate_limit_asks_the_outbox_to_retry_after_slacks_delay(fake: FakeSlack, slack: SlackPlatform) -> None:
    fake.rate_limit_next("chat.postMessage", retry_after=30)
    with pytest.raises(RetryLater) as caught:
        await slack.deliver(prompt())
    assert caught.value.retry_after == 30
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_slack_outage_is_retried_later(fake: FakeSlack, slack: SlackPlatform) -> None:
    fake.server_error_next("chat.postMessage", status=503, times=2)
    with pytest.raises(RetryLater, match="server error"):
        await slack.deliver(prompt())


async def test_unreachable_api_is_retried_later() -> None:
    platform = SlackPlatform(make_web_client(token="xoxb-test", base_url="http://127.0.0.1:9/api/", timeout=2))
    with pytest.raises(RetryLater, match="unreachable"):
        await platform.deliver(prompt())
    await close_session(platform.client)


@pytest.mark.parametrize("error", ["user_not_found", "account_inactive", "cannot_dm_bot", "not_in_channel",
                                   "channel_not_found", "is_archived"])
async def test_person_slack_cannot_reach_is_marked_unreachable(fake: FakeSlack, slack: SlackPlatform, error: str) -> None:
    fake.fail_next("chat.postMessage", error)
    with pytest.raises(Unreachable, match=error):
        await slack.deliver(prompt())


async def test_blocks_slack_refuses_are_a_permanent_failure(fake: FakeSlack, slack: SlackPlatform) -> None:
    fake.fail_next("chat.postMessage", "invalid_blocks")
    with pytest.raises(PermanentFailure, match="invalid_blocks"):
        await slack.deliver(prompt())


async def test_unknown_template_fails_permanently_without_calling_slack(fake: FakeSlack, slack: SlackPlatform) -> None:
    with pytest.raises(PermanentFailure, match="no_such_template"):
        await slack.deliver(prompt(template="no_such_template"))
    assert not fake.calls
