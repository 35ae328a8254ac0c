"""Socket Mode: the bot connects out to Slack's websocket (no public URL) and handles the same
events, commands and interactions there."""

from __future__ import annotations

from sqlmodel import select

from bot.slack.socket_mode import SocketModeConnection
from storage.models import Win
from tests import slack_requests as rq
from tests.slack_harness import SlackRig, rig  # noqa: F401


async def test_socket_mode_connects_and_handles_commands_and_events(rig: SlackRig) -> None:
    connection = SocketModeConnection(rig.bot, "xapp-1-test", ping_interval=1)
    await connection.start()
    try:
        [opened] = rig.fake.calls_to("apps.connections.open")
        assert opened.headers["Authorization"] == "Bearer xapp-1-test"

        command = rq.slash_command("/win", "Shipped SSO", user="UALICE", response_url=rig.fake.response_url("win"))
        ack = await rig.fake.send_envelope("slash_commands", command, envelope_id="env-1")
        assert ack["envelope_id"] == "env-1"
        [(_, posted)] = await rig.fake.wait_for_response()
        assert "Shipped SSO" in str(posted["blocks"])

        home = rq.event_callback({"type": "app_home_opened", "user": "UALICE", "tab": "home"}, event_id="EvSOCK1")
        await rig.fake.send_envelope("events_api", home, envelope_id="env-2")
        await rig.fake.send_envelope("events_api", home, envelope_id="env-2b", retry_attempt=1)
        await rig.fake.wait_for("views.publish")

        message = rq.event_callback({"type": "message", "channel_type": "im", "channel": "DALICE", "user": "UALICE",
                                     "text": "win Second win", "ts": "1.2"}, event_id="EvSOCK2")
        await rig.fake.send_envelope("events_api", message, envelope_id="env-3")
        await rig.fake.send_envelope("events_api", message, envelope_id="env-3b", retry_attempt=1)
        await rig.fake.wait_for("chat.postMessage")
        await rig.bot.settle()  # the retried envelope handled to the end too
        async with rig.db.session() as session:
            assert sorted(w.text for w in (await session.exec(select(Win))).all()) == ["Second win", "Shipped SSO"]
    finally:
        await connection.stop()


async def test_socket_mode_modal_errors_travel_back_in_the_ack(rig: SlackRig) -> None:
    connection = SocketModeConnection(rig.bot, "xapp-1-test", ping_interval=1)
    await connection.start()
    try:
        await rig.fake.send_envelope("slash_commands", rq.slash_command("/checkin", "", user="UALICE",
                                     response_url=rig.fake.response_url("c")), envelope_id="env-10")
        [opened] = await rig.fake.wait_for("views.open")
        view = {**opened.args["view"], "id": "V0SOCK", "hash": "h"}
        days = rig.ids["onboarding-days"]
        submission = rq.view_submission(view, {f"kr.{days}.value": rq.typed("number_input", "lots")}, user="UALICE")
        ack = await rig.fake.send_envelope("interactive", submission, envelope_id="env-11")
        assert ack["payload"]["response_action"] == "errors"
        assert f"kr.{days}.value" in ack["payload"]["errors"]
    finally:
        await connection.stop()


async def test_serve_wiring_opens_socket_mode_with_the_web_app_and_closes_it_after(rig: SlackRig) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from bot.config import Secrets
    from bot.runtime import Runtime
    from bot.slack.wiring import build_slack

    runtime = Runtime(config=rig.bot.config, db=rig.db, secrets=Secrets(
        slack_bot_token="xoxb-test", slack_app_token="xapp-1-serve", slack_signing_secret=None))
    wiring = build_slack(runtime)
    assert wiring is not None and wiring.socket_mode is not None and wiring.platform.name == "slack"
    app = web.Application()
    wiring.attach(app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        await rig.fake.wait_for_socket()
        ack = await rig.fake.send_envelope("events_api", rq.event_callback(
            {"type": "app_home_opened", "user": "UMAYA", "tab": "home"}), envelope_id="env-serve")
        assert ack["envelope_id"] == "env-serve"
        await rig.fake.wait_for("views.publish")
    finally:
        await server.close()
    assert build_slack(Runtime(config=rig.bot.config, db=rig.db, secrets=Secrets(slack_bot_token=None))) is None
