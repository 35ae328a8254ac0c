"""Slack as a ChatPlatform: scheduled messages (prompts, reminders, digests…) as DMs or
channel posts, and in-place updates of earlier messages.

Slack's answers are mapped to what the outbox sender understands: wait and retry
(`RetryLater`), stop trying this person (`Unreachable`), or the message itself is wrong
(`PermanentFailure`).
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import SlackMessages, SlackRenderError
from bot.retry_after import retry_after_seconds
from bot.slack.client import shared_session
from cadences.notifier import OutboundMessage, PermanentFailure, RetryLater, Sent, Unreachable
from messages.render import TemplateNotFound

log = logging.getLogger(__name__)

UNREACHABLE_ERRORS = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "cannot_dm_bot",
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "user_disabled",
        "team_access_not_granted",
    }
)
PERMANENT_ERRORS = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "too_many_attachments", "invalid_arguments"}
)
# chat.update on a message that is gone: post a fresh one instead of failing the delivery.
REPLACE_FALLBACK_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def parse_message_ref(ref: str) -> tuple[str, str]:
    channel, _, ts = ref.partition(":")
    if not channel or not ts:
        raise ValueError(f"not a Slack message ref (channel:ts): {ref!r}")
    return channel, ts


def delivery_error(exc: SlackApiError) -> Exception:
    """The outbox outcome for a Slack API error."""
    response = exc.response
    status = getattr(response, "status_code", 200)
    code = (response.get("error") if response is not None else None) or f"http_{status}"
    if status == 429 or code == "ratelimited":
        return RetryLater("slack rate limited (429)", retry_after_seconds(getattr(response, "headers", None)))
    if status >= 500 or code in {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}:
        return RetryLater(f"slack server error: {code}")
    if code in UNREACHABLE_ERRORS:
        return Unreachable(f"slack: {code}")
    if code in PERMANENT_ERRORS:
        return PermanentFailure(f"slack rejected the message: {code}")
    return PermanentFailure(f"slack error: {code}")


class SlackPlatform:
    """Posts outbox messages with chat.postMessage (to a user id → the bot's DM) or updates them."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, *, messages: SlackMessages | None = None) -> None:
        self.client = client
        self.messages = messages or SlackMessages()

    async def deliver(self, message: OutboundMessage) -> Sent:
        try:
            payload = self.messages.message(message.template, message.context)
        except (TemplateNotFound, SlackRenderError) as exc:
            raise PermanentFailure(str(exc)) from None
        except Exception as exc:  # a template that cannot render this context
            raise PermanentFailure(f"template {message.template!r} failed: {type(exc).__name__}: {exc}") from None
        if not message.address:
            raise Unreachable("no Slack address for this delivery")
        await shared_session(self.client)
        try:
            if message.replace_ref:
                return await self._update_or_post(message, payload)
            return await self._post(message.address, payload)
        except SlackApiError as exc:
            raise delivery_error(exc) from None
        except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(f"slack unreachable: {type(exc).__name__}") from None

    async def _post(self, address: str, payload: dict) -> Sent:
        response = await self.client.chat_postMessage(channel=address, text=payload["text"], blocks=payload["blocks"], unfurl_links=False)
        return Sent(message_ref(response["channel"], response["ts"]))

    async def _update_or_post(self, message: OutboundMessage, payload: dict) -> Sent:
        try:
            channel, ts = parse_message_ref(message.replace_ref or "")
        except ValueError:
            log.warning("delivery %s: replace ref %r is not a Slack ref; posting anew", message.delivery_id, message.replace_ref)
            return await self._post(message.address, payload)
        try:
            response = await self.client.chat_update(channel=channel, ts=ts, text=payload["text"], blocks=payload["blocks"])
        except SlackApiError as exc:
            if (exc.response.get("error") if exc.response is not None else None) in REPLACE_FALLBACK_ERRORS:
                return await self._post(message.address, payload)
            raise
        return Sent(message_ref(response["channel"], response["ts"]))
