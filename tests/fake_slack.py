"""A local fake of the Slack Web API (and Socket Mode websocket) for tests.

It listens on 127.0.0.1 on a random port, records every call, and answers like Slack:
`chat.postMessage` (to a user id it answers with a DM channel id), `chat.update`,
`chat.postEphemeral`, `views.open`, `views.publish`, `users.list` (cursor paging),
`auth.test` (granting `scopes` in `x-oauth-scopes`), `conversations.info` (from
`channels`), `apps.connections.open` (a ws:// URL on this same server), plus
`response_url` endpoints. Failures are scripted: `fail_next("chat.postMessage",
"user_not_found")`, `rate_limit_next("users.list", retry_after=1)`, `server_error_next(...)`.
A slow Slack is scripted with `hold("views.publish")`: calls to it are recorded at once but
answered only once the returned event is set.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[tuple[str, Any]] = []  # (response_url id, posted JSON)
        self.users: list[dict[str, Any]] = []
        # What auth.test reports the token was granted (x-oauth-scopes), and the workspace's channels.
        self.scopes: list[str] = ["channels:read", "chat:write", "commands", "im:history", "users:read",
                                  "users:read.email"]
        self.channels: dict[str, dict[str, Any]] = {}  # id → {"name": …, "is_member": …, "is_archived": …}
        self._scripted: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self._held: dict[str, asyncio.Event] = {}
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_messages: list[dict[str, Any]] = []

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # -- scripting -------------------------------------------------------------------------
    def fail_next(self, method: str, error: str, *, status: int = 200, times: int = 1) -> None:
        for _ in range(times):
            self._scripted.setdefault(method, []).append((status, {"ok": False, "error": error}, {}))

    def rate_limit_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        for _ in range(times):
            self._scripted.setdefault(method, []).append(
                (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
            )

    def server_error_next(self, method: str, *, status: int = 503, times: int = 1) -> None:
        for _ in range(times):
            self._scripted.setdefault(method, []).append((status, {"ok": False, "error": "service_unavailable"}, {}))

    def hold(self, method: str) -> asyncio.Event:
        """Answer calls to `method` only once the returned event is set (a slow Slack)."""
        return self._held.setdefault(method, asyncio.Event())

    # -- inspection ------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called at least `count` times (listeners run after the ack)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.calls_to(method)) >= count), timeout)
        return self.calls_to(method)

    async def wait_for_response(self, count: int = 1, timeout: float = 5.0) -> list[tuple[str, Any]]:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.responses) >= count), timeout)
        return self.responses

    async def _record(self, item: Call | tuple[str, Any]) -> None:
        async with self._changed:
            if isinstance(item, Call):
                self.calls.append(item)
            else:
                self.responses.append(item)
            self._changed.notify_all()

    # -- Web API ---------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        if request.content_type == "application/json":
            args = json.loads(raw or "{}")
        else:
            args = {key: values[-1] for key, values in parse_qs(raw).items()}
            for key in ("blocks", "view"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        args.update({key: value for key, value in request.query.items() if key not in args})
        await self._record(Call(method, args, dict(request.headers)))
        held = self._held.get(method)
        if held is not None:
            await held.wait()
        scripted = self._scripted.get(method)
        if scripted:
            status, body, headers = scripted.pop(0)
            return web.json_response(body, status=status, headers=headers)
        if not request.headers.get("Authorization", "").startswith("Bearer ") and "token" not in args:
            return web.json_response({"ok": False, "error": "not_authed"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        answer = handler(args)
        body, headers = answer if isinstance(answer, tuple) else (answer, {})
        return web.json_response(body, headers=headers)

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, args):
        return ({"ok": True, "url": "https://fake.slack.local/", "team": "Fake", "user": "outcomebot",
                 "team_id": "T0FAKE", "user_id": "U0BOT", "bot_id": "B0BOT"}, {"x-oauth-scopes": ",".join(self.scopes)})

    def _conversations_info(self, args):
        if "channels:read" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "channels:read"}
        channel = self.channels.get(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": args["channel"], "is_member": False, "is_archived": False, **channel}}

    def _chat_postMessage(self, args):
        channel = str(args.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if channel.startswith("U"):  # posting to a user id lands in the bot's DM with them
            channel = "D" + channel[1:]
        return {"ok": True, "channel": channel, "ts": self._next_ts(),
                "message": {"text": args.get("text"), "blocks": args.get("blocks", [])}}

    def _chat_update(self, args):
        return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": args.get("text")}

    def _chat_postEphemeral(self, args):
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args):
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = dict(args["view"])
        view_id = f"V{next(self._views):08d}"
        view.update({"id": view_id, "hash": f"h{view_id}", "state": {"values": {}}})
        return {"ok": True, "view": view}

    def _views_update(self, args):
        return {"ok": True, "view": dict(args["view"])}

    def _views_publish(self, args):
        if not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": dict(args["view"])}

    def _users_list(self, args):
        limit = int(args.get("limit") or 200)
        start = int(args.get("cursor") or 0)
        page = self.users[start : start + limit]
        next_cursor = str(start + limit) if start + limit < len(self.users) else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _apps_connections_open(self, args):
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    async def _response_url(self, request: web.Request) -> web.Response:
        await self._record((request.match_info["key"], await request.json()))
        return web.Response(text="ok")

    # -- Socket Mode -----------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async with self._changed:
            self._changed.notify_all()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                async with self._changed:
                    self.socket_messages.append(json.loads(message.data))
                    self._changed.notify_all()
        self.sockets.remove(ws)
        return ws

    async def wait_for_socket(self, timeout: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: bool(self.sockets)), timeout)

    async def send_envelope(self, envelope_type: str, payload: dict[str, Any], *, envelope_id: str,
                            retry_attempt: int = 0) -> dict[str, Any]:
        """Push one envelope to the connected client and wait for its ack (returned)."""
        await self.wait_for_socket()
        await self.sockets[0].send_json({
            "envelope_id": envelope_id, "type": envelope_type, "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
            "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else "",
        })

        def acked():
            return next((m for m in self.socket_messages if m.get("envelope_id") == envelope_id), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: acked() is not None), 5.0)
        return acked()  # type: ignore[return-value]
