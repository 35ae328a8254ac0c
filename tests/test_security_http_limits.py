"""What an unverified caller may cost the server: bodies are bounded in size and time, only a
few are read at once, and a connection that never finishes its headers is closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot import http_limits
from bot.http_limits import UnverifiedRequests, server_settings
from bot.slack.http import SLACK_EVENTS_PATH
from bot.slack.wiring import SlackWiring
from storage.models import Win
from tests import slack_requests as rq
from tests import teams_activities as act
from tests.slack_harness import SlackRig, rig  # noqa: F401  (fixture)
from tests.teams_harness import running_teams

# body_seconds leaves room for a loaded CI machine between the stalled bodies and the third request.
SMALL = dict(max_unverified=2, max_body_bytes=64 * 1024, body_seconds=6.0)


@asynccontextmanager
async def slack_server(rig: SlackRig, **limits) -> AsyncIterator[TestClient]:
    """The real /slack/events with small limits, served like `serve` serves it."""
    app = web.Application()
    http_limits.install(app, UnverifiedRequests(**{**SMALL, **limits}))
    SlackWiring(rig.bot).mount(app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(**server_settings(header_seconds=0.5))
    client = TestClient(server)
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def open_stalled_body(client: TestClient, length: int = 1000) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A request whose headers arrived and whose body trickles: one byte, then nothing."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(f"POST {SLACK_EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {length}\r\n\r\n{{".encode())
    await writer.drain()
    return reader, writer


async def status_line(reader: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(reader.readline(), 10)).decode().strip()


async def wins(rig: SlackRig) -> list[Win]:
    async with rig.db.session() as session:
        return list((await session.exec(select(Win))).all())


async def test_a_body_larger_than_any_real_payload_is_refused_with_413_signed_or_not(rig: SlackRig) -> None:
    async with slack_server(rig) as client:
        body, headers = rq.form_request(rq.slash_command("/win", "x" * 70_000, user="UALICE",
                                                         response_url=rig.fake.response_url("win")))
        for attempt in (headers, {"Content-Type": headers["Content-Type"]}):
            response = await client.post(SLACK_EVENTS_PATH, data=body.encode(), headers=attempt)
            assert response.status == 413

        async def chunks():  # no Content-Length: refused once it grows past the limit
            for _ in range(40):
                yield b"payload=" + b"x" * 4096

        response = await client.post(SLACK_EVENTS_PATH, data=chunks(), headers={"Content-Type": headers["Content-Type"]})
        assert response.status == 413
    assert await wins(rig) == [] and rig.fake.calls == []


async def test_beyond_the_unverified_requests_being_read_others_get_503_until_those_time_out(rig: SlackRig) -> None:
    async with slack_server(rig) as client:
        limits = client.app[http_limits.UNVERIFIED_KEY]
        stalled = [await open_stalled_body(client) for _ in range(SMALL["max_unverified"])]
        async with asyncio.timeout(10):
            while limits.in_flight < SMALL["max_unverified"]:  # both are being read now
                await asyncio.sleep(0.01)
        busy = await client.post(SLACK_EVENTS_PATH, data=b"{}", headers={"Content-Type": "application/json"})
        assert busy.status == 503 and busy.headers["Retry-After"] == "1"
        for reader, writer in stalled:  # the trickled bodies are given up on: 408, connection closed
            assert (await status_line(reader)).startswith("HTTP/1.1 408")
            assert await asyncio.wait_for(reader.read(), 10) is not None
            writer.close()
        response = await client.post(SLACK_EVENTS_PATH, data=(signed := rq.form_request(rq.slash_command(
            "/win", "Acme went live", user="UALICE", response_url=rig.fake.response_url("win"))))[0].encode(),
            headers=signed[1])
        assert response.status == 200  # a real request is served again once the slots are free
    await rig.bot.settle()  # the command is answered after its ack: let that work finish before looking
    assert [w.text for w in await wins(rig)] == ["Acme went live"]


async def test_a_connection_that_never_finishes_its_headers_is_closed(rig: SlackRig) -> None:
    async with slack_server(rig) as client:
        reader, writer = await asyncio.open_connection(client.host, client.port)
        writer.write(f"POST {SLACK_EVENTS_PATH} HTTP/1.1\r\nHost: x\r\n".encode())
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server, nothing answered
        writer.close()


async def test_the_teams_endpoint_refuses_an_oversized_body_before_reading_it(db) -> None:
    async with running_teams(db) as teams:
        limits = teams.client.app[http_limits.UNVERIFIED_KEY]
        big = act.personal_message(teams.url, act.user("29:eve", "aad-eve", "Eve"), "a:conv-eve", "x" * (limits.max_body_bytes + 1))
        response = await teams.post(big)
        assert response.status == 413
        assert teams.connector.attempts == 0 and teams.connector.sent() == []
