"""Only Slack can talk to /slack/events: forged, missing and stale signatures get 401 and
nothing happens; retried events are recorded once; junk never crashes the endpoint."""

from __future__ import annotations

import json

from sqlmodel import select

from storage.models import ProcessedEvent, Win
from tests import slack_requests as rq
from tests.slack_harness import SlackRig, rig, stale_timestamp  # noqa: F401


def win_command() -> dict[str, str]:
    return rq.slash_command("/win", "Closed the Acme deal", user="UALICE", response_url="http://127.0.0.1:9/r")


async def assert_nothing_happened(rig: SlackRig) -> None:
    assert rig.bot.pending == 0  # no work was started for the refused request
    await rig.bot.settle()
    assert not rig.fake.calls and not rig.fake.responses
    async with rig.db.session() as session:
        assert not (await session.exec(select(Win))).all()


async def test_forged_signature_is_refused(rig: SlackRig) -> None:
    body, headers = rq.form_request(win_command(), secret="not-the-signing-secret")
    assert (await rig.post(body, headers)).status == 401
    await assert_nothing_happened(rig)


async def test_unsigned_request_is_refused(rig: SlackRig) -> None:
    body, headers = rq.form_request(win_command())
    del headers["X-Slack-Signature"], headers["X-Slack-Request-Timestamp"]
    assert (await rig.post(body, headers)).status == 401
    await assert_nothing_happened(rig)


async def test_replayed_request_older_than_five_minutes_is_refused(rig: SlackRig) -> None:
    body, headers = rq.form_request(win_command(), timestamp=stale_timestamp())
    assert (await rig.post(body, headers)).status == 401
    await assert_nothing_happened(rig)


async def test_body_changed_after_signing_is_refused(rig: SlackRig) -> None:
    body, headers = rq.form_request(win_command())
    assert (await rig.post(body.replace("Acme", "Evil"), headers)).status == 401
    await assert_nothing_happened(rig)


async def test_retried_event_is_recorded_once(rig: SlackRig) -> None:
    event = {"type": "message", "channel_type": "im", "channel": "DALICE", "user": "UALICE",
             "text": "win Landed the Acme renewal", "ts": "1700000000.1"}
    first = await rig.event(event, event_id="Ev0RETRY1")
    retry = await rig.event(event, event_id="Ev0RETRY1", retry=1)
    assert (first.status, retry.status) == (200, 200)
    await rig.bot.settle()  # both deliveries handled to the end
    async with rig.db.session() as session:
        assert len((await session.exec(select(Win))).all()) == 1
        keys = (await session.exec(select(ProcessedEvent.event_key))).all()
    assert keys.count("slack:event:Ev0RETRY1") == 1
    assert len(rig.fake.calls_to("chat.postMessage")) == 1


async def test_url_verification_challenge_is_answered(rig: SlackRig) -> None:
    body, headers = rq.json_request({"token": "t", "challenge": "c-123", "type": "url_verification"})
    response = await rig.post(body, headers)
    assert response.status == 200 and "c-123" in await response.text()


async def test_signed_junk_is_acknowledged_without_a_crash(rig: SlackRig) -> None:
    for body, headers in (
        rq.form_request({"payload": "{not json"}),
        rq.json_request({"type": "event_callback", "event": {"type": "reaction_added", "user": "UALICE"}, "event_id": "Ev9"}),
        rq.json_request({"type": "block_actions", "user": {"id": "UALICE"}, "actions": []}),
        (json.dumps([1, 2, 3]), {"Content-Type": "application/json", **rq.sign(json.dumps([1, 2, 3]))}),
    ):
        response = await rig.post(body, headers)
        assert response.status == 200, (body, response.status)
    health = await rig.command("UALICE", "/help")  # still answering
    assert health.status == 200


async def test_without_a_signing_secret_every_http_request_is_refused(rig: SlackRig) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from bot.config import Secrets
    from bot.router import Router
    from bot.slack.app import SlackBot
    from bot.slack.wiring import SlackWiring

    secrets = Secrets(slack_bot_token="xoxb-test", slack_signing_secret=None, slack_app_token=None)
    bot = SlackBot(config=rig.bot.config, secrets=secrets, db=rig.db, router=Router(rig.bot.config, rig.db))
    app = web.Application()
    SlackWiring(bot).mount(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        for secret in ("", rq.SIGNING_SECRET):  # signed with an empty secret, or with any other
            body, headers = rq.form_request(win_command(), secret=secret)
            assert (await client.post("/slack/events", data=body.encode(), headers=headers)).status == 401
    finally:
        await client.close()
        await bot.close()
    await assert_nothing_happened(rig)


async def test_a_garbled_timestamp_or_signature_is_refused_not_a_server_error(rig: SlackRig) -> None:
    body, good = rq.form_request(win_command())
    for headers in (
        {**good, "X-Slack-Request-Timestamp": "not-a-number"},
        {**good, "X-Slack-Request-Timestamp": ""},
        {**good, "X-Slack-Request-Timestamp": "1e9"},
        {**good, "X-Slack-Signature": "v0=caf\u00e9"},  # not ASCII: hmac cannot even compare it
        {key: value for key, value in good.items() if key != "X-Slack-Signature"},
        {key: value for key, value in good.items() if key != "X-Slack-Request-Timestamp"},
    ):
        assert (await rig.post(body, headers)).status == 401, headers
    await assert_nothing_happened(rig)


async def test_a_body_that_is_not_utf8_is_refused_not_a_server_error(rig: SlackRig) -> None:
    response = await rig.http.post("/slack/events", data=b"text=\xff\xfe", headers={
        "Content-Type": "application/x-www-form-urlencoded", **rq.sign("text=")})
    assert response.status == 401
    body, headers = rq.form_request(win_command())
    headers["Content-Type"] = "application/x-www-form-urlencoded; charset=no-such-charset"
    assert (await rig.post(body, headers)).status == 401
    await assert_nothing_happened(rig)
