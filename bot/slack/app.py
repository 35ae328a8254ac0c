"""The Slack side of OutcomeBot: a Bolt AsyncApp whose listeners translate Slack payloads
into platform events, hand them to the router, and show the answers.

Timing rules (Slack wants an ack within 3 s): commands, buttons and events are acked first
and worked on afterwards; a modal submission is acked only after the router committed it,
because that ack is also where inline errors go.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import AppConfig, Secrets
from bot.dedupe import ProcessedEvents
from bot.platform import FormRejected, InboundEvent, Intent
from bot.slack import events
from bot.slack.blocks import SlackMessages
from bot.slack.client import close_session, make_web_client, shared_session
from bot.slack.home import home_context
from bot.slack.intents import IntentRenderer, Where
from bot.slack.modal import error_response
from bot.slack.platform import SlackPlatform
from storage.db import Database
from storage.models import utcnow

log = logging.getLogger(__name__)

# How long a modal submission may wait for its turn before it is answered "busy, submit
# again" (nothing stored, everything typed kept): Slack shows its own error after 3 s, and by
# then it would be too late to say whether the answers were saved.
SUBMISSION_WAIT_LIMIT = 1.5
BUSY_TEXT = ("OutcomeBot is busy right now and did not save this yet. Press Submit again in a moment; "
             "everything you typed is still here.")


class Dispatcher(Protocol):
    async def dispatch(self, event: InboundEvent) -> list[Intent]: ...


class SlackBot:
    """Everything Slack: the Bolt app (HTTP and Socket Mode), the outbox platform, App Home."""

    def __init__(
        self,
        *,
        config: AppConfig,
        secrets: Secrets,
        db: Database,
        router: Dispatcher,
        client: AsyncWebClient | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        token = secrets.slack_bot_token.get_secret_value() if secrets.slack_bot_token else None
        self.client = client or make_web_client(token=token, base_url=config.slack_api_url)
        self.config = config
        self.db = db
        self.router = router
        self.clock = clock
        self.messages = SlackMessages()
        self.platform = SlackPlatform(self.client, messages=self.messages)
        self.intents = IntentRenderer(self.client, self.messages)
        self.processed = ProcessedEvents(db, source="slack")
        # Submissions wait here (FIFO) with a time limit; a few at a time overlap their reads,
        # while their writes take turns in Database.transaction() (SQLite has one writer).
        self._submissions = asyncio.Semaphore(4 if db.is_sqlite else 32)
        signing_secret = secrets.slack_signing_secret.get_secret_value() if secrets.slack_signing_secret else ""
        self.signing_secret = signing_secret
        # An empty signing secret makes every HTTP request fail verification (401): safe in Socket Mode.
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret,
            logger=logging.getLogger("bot.slack.bolt"),
            request_verification_enabled=True,
        )
        self._register()

    # -- wiring ----------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.use(self._with_shared_session)
        app.command(re.compile(r"^/"))(self.on_command)
        app.action(re.compile(r".*"))(self.on_action)
        app.view_submission(re.compile(r".*"))(self.on_view_submission)
        app.view_closed(re.compile(r".*"))(self._ack_only)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("message")(self.on_message)
        app.event("team_join")(self.on_team_join)
        app.event(re.compile(r".*"))(self._ignore_event)
        app.error(self.on_error)

    async def _with_shared_session(self, next) -> None:  # noqa: A002 - Bolt's middleware signature
        await shared_session(self.client)
        await next()

    async def close(self) -> None:
        await close_session(self.client)

    async def _ack_only(self, ack) -> None:
        await ack()

    async def _ignore_event(self, ack, body) -> None:
        await ack()
        log.info("slack event %s ignored", (body.get("event") or {}).get("type"))

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        kind = body.get("type") or body.get("command") or "request"
        log.error("slack %s failed: %s: %s", kind, type(error).__name__, error, exc_info=error)

    async def _dispatch_once(self, key: str | None, event: InboundEvent) -> list[Intent] | None:
        """The router's answer, or None when `key` was handled before (a Slack retry). The
        key is released again if the router fails, so Slack's next retry is processed."""
        if key is not None and not await self.processed.claim(key):
            log.info("duplicate slack delivery %s dropped", key)
            return None
        try:
            return await self.router.dispatch(event)
        except BaseException:
            if key is not None:
                await self.processed.release(key)
            raise

    # -- listeners -------------------------------------------------------------------------
    async def on_command(self, ack, body) -> None:
        await ack()
        event = events.command_event(body)
        where = Where(event.sender.user_ref, event.sender.conversation, event.sender.is_direct,
                      body.get("response_url"), body.get("trigger_id"))
        # Slack never resends a slash command, so no duplicate check (and no extra write).
        await self.intents.show(await self.router.dispatch(event), where)

    async def on_action(self, ack, body) -> None:
        await ack()
        clicks = events.action_events(body)
        if not clicks:
            log.warning("slack block_actions without actions ignored")
            return
        sender = clicks[0].sender
        where = Where(sender.user_ref, sender.conversation, sender.is_direct, body.get("response_url"), body.get("trigger_id"))
        key = events.action_key(body)
        for index, click in enumerate(clicks):
            intents = await self._dispatch_once(f"{key}:{index}" if key else None, click)
            if intents:
                await self.intents.show(intents, where)

    async def on_view_submission(self, ack, body) -> None:
        """Ack after the commit: errors go back inline (and nothing is recorded), success
        closes the modal. If the router fails there is no ack, Slack shows its error and the
        modal stays open with everything typed."""
        event = events.submission_event(body)
        key = events.submission_key(body)
        try:
            async with asyncio.timeout(SUBMISSION_WAIT_LIMIT):
                await self._submissions.acquire()
        except TimeoutError:
            log.warning("slack submission not taken within %.1f s; answered busy, nothing stored", SUBMISSION_WAIT_LIMIT)
            await ack(**error_response({"form": BUSY_TEXT}, body.get("view") or {}))
            return
        try:
            intents = await self._dispatch_once(key, event)
        finally:
            self._submissions.release()
        if intents is None:  # a resent submission already stored
            await ack()
            return
        rejected = [i for i in intents if isinstance(i, FormRejected)]
        if rejected:
            if key is not None:
                await self.processed.release(key)
            await ack(**error_response(dict(rejected[0].errors), body.get("view") or {}))
            return
        await ack()
        await self.intents.show(intents, Where(event.sender.user_ref))

    async def on_home_opened(self, ack, event) -> None:
        await ack()
        if event.get("tab", "home") == "home" and event.get("user"):
            await self.publish_home(str(event["user"]))

    async def on_message(self, ack, body, event) -> None:
        await ack()
        message = events.message_event(event)
        if message is None:
            return
        intents = await self._dispatch_once(events.event_key(body), message)
        if intents:
            await self.intents.show(intents, Where(message.sender.user_ref, message.sender.conversation))

    async def on_team_join(self, ack, body, event) -> None:
        await ack()
        joined = events.member_joined_event(event)
        if joined is None:
            return
        intents = await self._dispatch_once(events.event_key(body), joined)
        if intents:
            await self.intents.show(intents, Where(joined.sender.user_ref))

    # -- App Home --------------------------------------------------------------------------
    async def publish_home(self, user_id: str) -> None:
        async with self.db.session() as session:
            context = await home_context(session, slack_user_id=user_id, rules=self.config.cadences, now=self.clock())
        await self.client.views_publish(user_id=user_id, view=self.messages.view("app_home", context))
