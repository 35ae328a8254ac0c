"""Correctly signed Slack requests in Slack's real payload shapes, for driving /slack/events."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
_ids = itertools.count(1)


def sign(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def form_request(fields: dict[str, str], **sign_args) -> tuple[str, dict[str, str]]:
    body = urlencode(fields)
    return body, {"Content-Type": "application/x-www-form-urlencoded", **sign(body, **sign_args)}


def json_request(payload: dict[str, Any], **sign_args) -> tuple[str, dict[str, str]]:
    body = json.dumps(payload)
    return body, {"Content-Type": "application/json", **sign(body, **sign_args)}


def interaction_request(payload: dict[str, Any], **sign_args) -> tuple[str, dict[str, str]]:
    """Interactivity arrives form-encoded with the JSON in a `payload` field."""
    return form_request({"payload": json.dumps(payload)}, **sign_args)


def trigger_id() -> str:
    return f"{next(_ids)}.1000.{next(_ids):032x}"


def slash_command(command: str, text: str, *, user: str, response_url: str, channel: str = "D0DM",
                  channel_name: str = "directmessage") -> dict[str, str]:
    return {
        "token": "legacy-verification-token", "team_id": "T0FAKE", "team_domain": "fake",
        "channel_id": channel, "channel_name": channel_name, "user_id": user, "user_name": "someone",
        "command": command, "text": text, "api_app_id": "A0APP", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id(),
    }


def block_action(action_id: str, value: str, *, user: str, response_url: str | None = None,
                 channel: str = "D0DM", message_ts: str = "1700000000.000001") -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": "T0FAKE"},
        "api_app_id": "A0APP", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger_id(), "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": message_ts, "text": "", "blocks": []},
        "actions": [{"type": "button", "action_id": action_id, "block_id": action_id, "value": value,
                     "text": {"type": "plain_text", "text": "Start check-in"}, "action_ts": f"{time.time():.6f}"}],
    }
    if response_url:
        payload["response_url"] = response_url
    return payload


def view_submission(view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str) -> dict[str, Any]:
    """`view` as views.open returned it (id, blocks, private_metadata); `values` is the
    modal's state, block_id → {"input": {type, value | selected_option | selected_options}}."""
    return {
        "type": "view_submission", "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": "T0FAKE"},
        "api_app_id": "A0APP", "token": "legacy-verification-token", "trigger_id": trigger_id(),
        "view": {**view, "state": {"values": values}}, "response_urls": [],
    }


def typed(kind: str, value: str | None) -> dict[str, Any]:
    """One input's state as Slack sends it."""
    if kind == "static_select":
        return {"input": {"type": kind, "selected_option": None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}}}
    if kind == "checkboxes":
        return {"input": {"type": kind, "selected_options": [{"value": "true"}] if value else []}}
    return {"input": {"type": kind, "value": value}}


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token", "team_id": "T0FAKE", "api_app_id": "A0APP", "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{next(_ids):010d}", "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0FAKE", "user_id": "U0BOT", "is_bot": True}],
    }
