"""A local fake of the Bot Framework connector (the service behind an activity's serviceUrl).

It records what the bot sends — `POST /v3/conversations/{id}/activities[/{replyToId}]` and
`PUT /v3/conversations/{id}/activities/{activityId}` — answers member look-ups from a small
directory, and can be told to fail the next calls (403, 429 with Retry-After, …). It also plays Entra ID's
token service (`POST /{tenant}/oauth2/v2.0/token`, client credentials checked against
`app_passwords`, tenants against `tenants`, answering with AADSTS error codes like Microsoft's) and
lists the members of the channels in `channels` (`GET /v3/conversations/{id}/members`).
Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.card_text import card_lines


@dataclass
class Call:
    method: str  # POST (new message or reply) | PUT (update in place)
    conversation_id: str
    activity_id: str | None  # the updated activity, or the one replied to
    body: dict[str, Any]
    authorization: str | None = None  # the bot's Authorization header, as sent

    @property
    def card(self) -> dict[str, Any] | None:
        attachments = self.body.get("attachments") or []
        return attachments[0].get("content") if attachments else None

    def texts(self) -> list[str]:
        """Every line of text in the card, in order (what the person reads)."""
        return card_lines(self.card)

    def inputs(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if str(node.get("type", "")).startswith("Input."):
                    found[node["id"]] = node
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.card)
        return found


@dataclass
class Failure:
    status: int
    retry_after: str | None = None
    times: int = 1


@dataclass
class FakeConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # account id → TeamsChannelAccount
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    attempts: int = 0
    app_passwords: dict[str, str] = field(default_factory=dict)  # app id → client secret Entra ID accepts
    tenants: set[str] = field(default_factory=lambda: {"botframework.com"})
    channels: set[str] = field(default_factory=set)  # channel conversations the bot is a member of
    issued_token: str = "fake-bot-framework-token"
    url: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    def fail_next(self, status: int, *, retry_after: str | None = None, times: int = 1) -> None:
        self.failures.append(Failure(status, retry_after, times))

    def sent(self, conversation_id: str | None = None) -> list[Call]:
        return [c for c in self.calls if conversation_id is None or c.conversation_id == conversation_id]

    def _failure(self) -> web.Response | None:
        self.attempts += 1
        if not self.failures:
            return None
        failure = self.failures[0]
        failure.times -= 1
        if failure.times <= 0:
            self.failures.pop(0)
        headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
        body = {"error": {"code": "Forbidden" if failure.status == 403 else "Throttled", "message": "fake failure"}}
        return web.json_response(body, status=failure.status, headers=headers)

    async def _post(self, request: web.Request) -> web.Response:
        failed = self._failure()
        if failed:
            return failed
        new_id = f"activity-{next(self._ids)}"
        self.calls.append(
            Call(
                "POST",
                request.match_info["conversation"],
                request.match_info.get("activity"),
                await request.json(),
                request.headers.get("Authorization"),
            )
        )
        return web.json_response({"id": new_id}, status=201)

    async def _put(self, request: web.Request) -> web.Response:
        failed = self._failure()
        if failed:
            return failed
        activity_id = request.match_info["activity"]
        self.calls.append(
            Call("PUT", request.match_info["conversation"], activity_id, await request.json(), request.headers.get("Authorization"))
        )
        return web.json_response({"id": activity_id}, status=200)

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": "no"}}, status=404)
        return web.json_response(member)

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        tenant, app_id = request.match_info["tenant"], str(form.get("client_id", ""))

        def refused(code: int, error: str, text: str) -> web.Response:
            return web.json_response({"error": error, "error_description": f"AADSTS{code}: {text}",
                                      "error_codes": [code]}, status=400 if code == 90002 else 401)

        if tenant not in self.tenants:
            return refused(90002, "invalid_request", f"Tenant '{tenant}' not found.")
        if app_id not in self.app_passwords:
            return refused(700016, "unauthorized_client", f"Application with identifier '{app_id}' was not found.")
        if form.get("client_secret") != self.app_passwords[app_id]:
            return refused(7000215, "invalid_client", "Invalid client secret provided.")
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": self.issued_token})

    async def _members(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.issued_token}":
            return web.json_response({"message": "Authorization has been denied for this request."}, status=401)
        if request.match_info["conversation"] not in self.channels:
            return web.json_response({"error": {"code": "BotNotInConversationRoster", "message": "no"}}, status=403)
        return web.json_response([{"id": "29:bot", "name": "OutcomeBot"}])

    async def start(self) -> "FakeConnector":
        app = web.Application()
        app.add_routes(
            [
                web.post("/v3/conversations/{conversation}/activities", self._post),
                web.post("/v3/conversations/{conversation}/activities/{activity}", self._post),
                web.put("/v3/conversations/{conversation}/activities/{activity}", self._put),
                web.get("/v3/conversations/{conversation}/members/{member}", self._member),
                web.get("/v3/conversations/{conversation}/members", self._members),
                web.post("/{tenant}/oauth2/v2.0/token", self._token),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
