"""The Slack side of OutcomeBot: a Bolt AsyncApp whose listeners translate Slack payloads
into platform events, hand them to the router, and show the answers.

Timing rules (Slack wants an ack within 3 s): commands, buttons and events are acked first
and worked on afterwards; a modal submission is acked only after the router committed it,
because that ack is also where inline errors go.

Bolt runs every listener inline (`process_before_response=True`): what a listener acks is
the HTTP response (or the Socket Mode ack) as soon as the listener returns. Work that comes
after the ack — answering a command, opening a modal, the confirmation DM after a check-in,
App Home — runs in background tasks the bot keeps track of (`after_ack`); `settle()` waits
for them and `close()` lets them finish before the connection pool goes.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import AppConfig, Secrets
from bot.dedupe import ProcessedEvents
from bot.platform import FormRejected, InboundEvent, Intent, MemberJoined, MessageReceived
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
FAILED_TEXT = ("Something went wrong and this was not saved. Press Submit again in a moment; "
               "everything you typed is still here.")
# At most this many pieces of after-ack work run at once in each lane; the rest wait their
# turn (FIFO). Acks come first: every runnable task lengthens the event loop's turn, and a
# submission's transaction waits a turn for each of its statements while it holds SQLite's
# write lock. Work bound to a trigger_id (commands and buttons, which may open a modal: Slack
# accepts `views.open` only within 3 s of the click) has a lane of its own, so slow Web API
# calls made for other work (confirmation DMs, App Home, messages) never hold it up.
AFTER_ACK_CONCURRENCY = 4
# How long `close()` lets work started after acks finish before cancelling it.
CLOSE_WAIT_LIMIT = 10.0


class _NoTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it is the
    same token, so that warning is noise at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("bot.slack.bolt")
    if not any(isinstance(f, _NoTokenNotice) for f in logger.filters):
        logger.addFilter(_NoTokenNotice())
    return logger


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
        self.processed = ProcessedEvents(db, source="slack", clock=clock)
        # Submissions wait here (FIFO) with a time limit; a few at a time overlap their reads,
        # while their writes take turns in Database.transaction() (SQLite has one writer).
        self._submissions = asyncio.Semaphore(4 if db.is_sqlite else 32)
        # HTTP requests are verified by bot.slack.http before Bolt sees them; without a signing
        # secret every HTTP request is refused (401), which is safe in Socket Mode.
        self.signing_secret = secrets.slack_signing_secret.get_secret_value() if secrets.slack_signing_secret else ""
        # process_before_response: listeners run inline and what they ack is the response.
        # (Otherwise Bolt runs each listener in a task and polls for its ack every 10 ms, which
        # cost a quarter of a submission's CPU time.) Work after the ack goes to `after_ack`.
        self.app = AsyncApp(
            client=self.client,
            signing_secret=self.signing_secret,
            logger=_bolt_logger(),
            request_verification_enabled=False,
            process_before_response=True,
        )
        self._after_ack: set[asyncio.Task] = set()
        self._after_ack_slots = asyncio.Semaphore(AFTER_ACK_CONCURRENCY)
        self._trigger_slots = asyncio.Semaphore(AFTER_ACK_CONCURRENCY)  # the lane for trigger_id work
        self._register()

    # -- wiring ----------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.command(re.compile(r"^/"))(self.on_command)
        app.action(re.compile(r".*"))(self.on_action)
        app.view_submission(re.compile(r".*"))(self.on_view_submission)
        app.view_closed(re.compile(r".*"))(self._ack_only)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("message")(self.on_message)
        app.event("team_join")(self.on_team_join)
        app.event(re.compile(r".*"))(self._ignore_event)
        app.error(self.on_error)

    def after_ack(self, work: Awaitable[None], what: str, *, trigger_id: str | None = None) -> None:
        """Run `work` once the ack is on its way; failures are logged like listener errors.
        Work given a `trigger_id` (it may open a modal) takes its turn in a lane of its own."""
        slots = self._trigger_slots if trigger_id else self._after_ack_slots
        task = asyncio.ensure_future(self._run_after_ack(work, what, slots))
        self._after_ack.add(task)
        task.add_done_callback(self._after_ack.discard)
        if inspect.iscoroutine(work):
            # Cancelled (at shutdown) before its turn came, `work` was never awaited: close it,
            # so it is not left behind as "coroutine ... was never awaited". A no-op otherwise.
            task.add_done_callback(lambda _: work.close())

    async def _run_after_ack(self, work: Awaitable[None], what: str, slots: asyncio.Semaphore) -> None:
        try:
            async with slots:
                await shared_session(self.client)  # one connection pool for every Web API call
                await work
        except Exception as error:
            log.error("slack %s failed after the ack: %s: %s", what, type(error).__name__, error, exc_info=error)

    @property
    def pending(self) -> int:
        """How many pieces of after-ack work are still running."""
        return len(self._after_ack)

    async def settle(self) -> None:
        """Wait until every piece of after-ack work started so far (and what it started) is done."""
        while self._after_ack:
            await asyncio.gather(*list(self._after_ack), return_exceptions=True)

    async def close(self, *, wait: float = CLOSE_WAIT_LIMIT) -> None:
        """Let after-ack work finish (up to `wait` seconds, then cancel it), then close the pool."""
        try:
            async with asyncio.timeout(wait):
                await self.settle()
        except TimeoutError:
            unfinished = list(self._after_ack)
            log.warning("slack: %d answers still unsent after %.0f s at shutdown; cancelled", len(unfinished), wait)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
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
        self.after_ack(self._answer_command(body), "command", trigger_id=body.get("trigger_id"))

    async def _answer_command(self, body: dict[str, Any]) -> None:
        event = events.command_event(body)
        where = Where(event.sender.user_ref, event.sender.conversation, event.sender.is_direct,
                      body.get("response_url"), body.get("trigger_id"))
        # Slack never resends a slash command, so no duplicate check (and no extra write).
        await self.intents.show(await self.router.dispatch(event), where)

    async def on_action(self, ack, body) -> None:
        await ack()
        self.after_ack(self._answer_action(body), "block action", trigger_id=body.get("trigger_id"))

    async def _answer_action(self, body: dict[str, Any]) -> None:
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
        closes the modal. If storing fails, nothing is recorded and the person is told inline
        to submit again (the modal stays open with everything typed)."""
        view = body.get("view") or {}
        event = events.submission_event(body)
        try:
            async with asyncio.timeout(SUBMISSION_WAIT_LIMIT):
                await self._submissions.acquire()
        except TimeoutError:
            log.warning("slack submission not taken within %.1f s; answered busy, nothing stored", SUBMISSION_WAIT_LIMIT)
            await ack(**error_response({"form": BUSY_TEXT}, view))
            return
        try:
            intents = await self.router.dispatch(event)
        except Exception as error:
            log.error("slack submission failed; answered inline, nothing stored: %s: %s", type(error).__name__, error,
                      exc_info=error)
            await ack(**error_response({"form": FAILED_TEXT}, view))
            return
        finally:
            self._submissions.release()
        rejected = [i for i in intents if isinstance(i, FormRejected)]
        if rejected:
            await ack(**error_response(dict(rejected[0].errors), view))
            return
        await ack()
        if intents:  # none for a resent submission stored before
            self.after_ack(self.intents.show(intents, Where(event.sender.user_ref)), "submission confirmation")

    async def on_home_opened(self, ack, event) -> None:
        await ack()
        if event.get("tab", "home") == "home" and event.get("user"):
            self.after_ack(self.publish_home(str(event["user"])), "app home")

    async def on_message(self, ack, body, event) -> None:
        await ack()
        message = events.message_event(event)
        if message is not None:
            self.after_ack(self._answer_message(events.event_key(body), message), "message")

    async def _answer_message(self, key: str | None, message: MessageReceived) -> None:
        intents = await self._dispatch_once(key, message)
        if intents:
            await self.intents.show(intents, Where(message.sender.user_ref, message.sender.conversation))

    async def on_team_join(self, ack, body, event) -> None:
        await ack()
        joined = events.member_joined_event(event)
        if joined is not None:
            self.after_ack(self._welcome(events.event_key(body), joined), "team_join")

    async def _welcome(self, key: str | None, joined: MemberJoined) -> None:
        intents = await self._dispatch_once(key, joined)
        if intents:
            await self.intents.show(intents, Where(joined.sender.user_ref))

    # -- App Home --------------------------------------------------------------------------
    async def publish_home(self, user_id: str) -> None:
        async with self.db.session() as session:
            context = await home_context(session, slack_user_id=user_id, rules=self.config.cadences, now=self.clock())
        await self.client.views_publish(user_id=user_id, view=self.messages.view("app_home", context))
