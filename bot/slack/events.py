"""Slack payloads (as Bolt hands them over) → OutcomeBot's platform-neutral events.

Pure functions, no I/O: slash commands and DMs become `MessageReceived` with the command
word first, buttons and selects become `ButtonClicked`, modal submissions `FormSubmitted`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from bot.platform import ButtonClicked, FormSubmitted, MemberJoined, MessageReceived, Sender
from bot.slack.modal import view_metadata, view_state

PLATFORM = "slack"
# <@U123>, <@U123|jane> → @U123 (the router resolves Slack ids); <#C1|name> → #name.
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_MENTION = re.compile(r"<#[CG][A-Z0-9]+\|([^>]*)>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")


def plain_text(text: str) -> str:
    """Slack's escaped message text as a person typed it (mentions as @USERID)."""
    text = _USER_MENTION.sub(r"@\1", text or "")
    text = _CHANNEL_MENTION.sub(r"#\1", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1).removeprefix("mailto:"), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _is_direct(channel_id: str | None, channel_name: str | None = None) -> bool:
    return channel_name == "directmessage" or bool(channel_id and channel_id.startswith("D"))


def command_event(body: Mapping[str, Any]) -> MessageReceived:
    """`/okrs @jane` → MessageReceived("okrs @U123"); `/help` or unknown words reach the
    router as they are and get the help text."""
    word = str(body.get("command", "")).lstrip("/").strip().lower()
    text = plain_text(str(body.get("text", "")))
    channel = body.get("channel_id")
    sender = Sender(PLATFORM, str(body.get("user_id", "")), channel, _is_direct(channel, body.get("channel_name")))
    return MessageReceived(sender, f"{word} {text}".strip())


def message_event(event: Mapping[str, Any]) -> MessageReceived | None:
    """A DM to the bot; None for bot messages, edits and other subtypes."""
    if event.get("bot_id") or event.get("subtype") or not event.get("user"):
        return None
    if event.get("channel_type") not in (None, "im"):
        return None
    channel = event.get("channel")
    return MessageReceived(Sender(PLATFORM, str(event["user"]), channel, True), plain_text(str(event.get("text", ""))))


def member_joined_event(event: Mapping[str, Any]) -> MemberJoined | None:
    user = event.get("user") or {}
    if not isinstance(user, Mapping) or not user.get("id") or user.get("is_bot"):
        return None
    profile = user.get("profile") or {}
    return MemberJoined(
        Sender(PLATFORM, str(user["id"])),
        email=(profile.get("email") or None),
        name=(profile.get("real_name") or user.get("real_name") or user.get("name") or None),
    )


def action_value(action: Mapping[str, Any]) -> str:
    if "value" in action:
        return str(action.get("value") or "")
    selected = action.get("selected_option")
    if isinstance(selected, Mapping):
        return str(selected.get("value") or "")
    return ""


def action_events(body: Mapping[str, Any]) -> list[ButtonClicked]:
    user = str((body.get("user") or {}).get("id", ""))
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    sender = Sender(PLATFORM, user, channel, _is_direct(channel) if channel else True)
    return [
        ButtonClicked(sender, str(action.get("action_id", "")), action_value(action))
        for action in body.get("actions") or []
        if isinstance(action, Mapping)
    ]


def submission_event(body: Mapping[str, Any]) -> FormSubmitted:
    view = body.get("view") or {}
    user = str((body.get("user") or {}).get("id", ""))
    state = view_metadata(view)
    values = view_state(view)
    return FormSubmitted(Sender(PLATFORM, user), state.get("form") or str(view.get("callback_id", "")), values, state,
                         once_key=submission_key(body, values))


# -- keys under which a delivery is recorded once (storage.models.ProcessedEvent) ----------

def event_key(body: Mapping[str, Any]) -> str | None:
    event_id = body.get("event_id")
    return f"slack:event:{event_id}" if event_id else None


def action_key(body: Mapping[str, Any]) -> str | None:
    user = (body.get("user") or {}).get("id")
    stamps = ",".join(str(a.get("action_ts", "")) for a in body.get("actions") or [] if isinstance(a, Mapping))
    return f"slack:action:{user}:{stamps}" if user and stamps.strip(",") else None


def submission_key(body: Mapping[str, Any], values: Mapping[str, str] | None = None) -> str | None:
    """Same modal, same typed values → same key: a resent submission is stored once, while a
    corrected one after inline errors is new. `values`: the view's state, when already read."""
    view = body.get("view") or {}
    if not view.get("id"):
        return None
    state = view_state(view) if values is None else values
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:32]
    return f"slack:view:{view['id']}:{digest}"
