"""Show what the router answered, the Slack way.

`Reply` → the response_url of a slash command or button (ephemeral unless public), else an
ephemeral message in the channel, else a DM. `ShowForm` → views.open with the trigger id
(or, without one, a DM with a Start button). `FormRejected` outside a modal is only logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.answers import show_intents
from bot.checkin_form import CheckInForm, prompt_context
from bot.platform import FormRejected, Intent, Reply, ShowForm
from bot.slack.blocks import SlackMessages
from bot.slack.client import shared_session
from bot.slack.modal import FormTooLarge, checkin_view

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Where:
    """Where an interaction happened, so answers go back to the same place."""

    user_id: str
    channel_id: str | None = None
    is_direct: bool = True
    response_url: str | None = None
    trigger_id: str | None = None


class IntentRenderer:
    def __init__(self, client: AsyncWebClient, messages: SlackMessages) -> None:
        self.client = client
        self.messages = messages

    async def show(self, intents: list[Intent], where: Where) -> None:
        await show_intents(intents, _Answer(self, where))

    async def reply(self, reply: Reply, where: Where) -> None:
        payload = self.messages.message(reply.template, reply.context)
        if where.response_url:
            session = await shared_session(self.client)
            await AsyncWebhookClient(where.response_url, timeout=10, session=session).send(
                text=payload["text"], blocks=payload["blocks"],
                response_type="in_channel" if reply.public else "ephemeral", replace_original=False,
            )
        elif where.channel_id and not where.is_direct:
            if reply.public:
                await self.client.chat_postMessage(channel=where.channel_id, **payload)
            else:
                await self.client.chat_postEphemeral(channel=where.channel_id, user=where.user_id, **payload)
        else:
            await self.client.chat_postMessage(channel=where.user_id, **payload)

    async def open_form(self, form: Any, where: Where) -> None:
        if not isinstance(form, CheckInForm):
            log.warning("cannot show form %r on Slack", type(form).__name__)
            return
        try:
            view = checkin_view(form, self.messages)
        except FormTooLarge as exc:
            await self.reply(Reply("slack_form_too_large", {"reason": str(exc)}), where)
            return
        if where.trigger_id:
            await self.client.views_open(trigger_id=where.trigger_id, view=view)
        else:
            payload = self.messages.message("checkin_prompt", prompt_context(form))
            await self.client.chat_postMessage(channel=where.user_id, **payload)


class _Answer:
    """bot.answers.AnswerView for one Slack interaction."""

    def __init__(self, renderer: IntentRenderer, where: Where) -> None:
        self.renderer = renderer
        self.where = where

    async def reply(self, reply: Reply) -> None:
        await self.renderer.reply(reply, self.where)

    async def show_form(self, shown: ShowForm) -> None:
        await self.renderer.open_form(shown.form, self.where)

    async def reject_form(self, rejected: FormRejected) -> None:
        # Inline errors go back in the modal's ack (bot.slack.app); elsewhere there is no form to mark.
        log.warning("form errors outside a modal for %s: %s", self.where.user_id, sorted(rejected.errors))
