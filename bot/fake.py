"""A ChatPlatform for tests: conversations go through the real router and are kept as a transcript.

    chat = FakeChat(router)
    reply = await chat.say("alice@example.com", "okrs")
    await chat.verify_dialog("alice@example.com", [("win", "Tell me the win …")])

Replies are rendered with the text templates, so tests read like the conversation a person has.
Forms are kept (`chat.last_form`) so a test can submit them with `chat.submit(...)`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from bot.checkin_form import CheckInForm
from bot.platform import (
    ButtonClicked,
    FormRejected,
    FormSubmitted,
    InboundEvent,
    Intent,
    MessageReceived,
    Reply,
    Sender,
    ShowForm,
)
from bot.router import Router
from cadences.notifier import OutboundMessage, Sent
from messages.render import Renderer


def describe_form(form: Any) -> str:
    if isinstance(form, CheckInForm):
        krs = ", ".join(kr.key for kr in form.key_results) or "no key results"
        questions = f"; {len(form.questions)} reflection questions" if form.questions else ""
        editing = " (your answers, to edit)" if form.editing else ""
        return f"[check-in form for {form.period_label}{editing}: {krs}{questions}]"
    return f"[form {form!r}]"


def render_intent(intent: Intent, renderer: Renderer) -> str:
    """Plain text for one intent, as a terminal would show it."""
    if isinstance(intent, Reply):
        return renderer.render(intent.template, intent.context)
    if isinstance(intent, ShowForm):
        return describe_form(intent.form)
    if isinstance(intent, FormRejected):
        return "\n".join(f"{name}: {problem}" for name, problem in sorted(intent.errors.items()))
    return repr(intent)


class FakeChat:
    """The test platform: `say`, `click`, `submit` in; rendered text and intents out."""

    name = "fake"

    def __init__(self, router: Router, *, platform: str = "fake") -> None:
        self.router = router
        self.platform = platform
        self.renderer = Renderer("text")
        self.transcript: list[tuple[str, str]] = []  # (speaker, text); the bot speaks as "bot"
        self.intents: list[Intent] = []  # from the last event
        self.delivered: list[OutboundMessage] = []
        self.last_form: Any = None
        self._refs = itertools.count(1)

    def sender(self, who: str) -> Sender:
        return Sender(platform=self.platform, user_ref=who, conversation=f"dm:{who}")

    async def send(self, who: str, event: InboundEvent, said: str) -> str:
        self.transcript.append((who, said))
        self.intents = await self.router.dispatch(event)
        texts = []
        for intent in self.intents:
            if isinstance(intent, (ShowForm, FormRejected)):
                self.last_form = intent.form
            texts.append(render_intent(intent, self.renderer))
        reply = "\n".join(texts)
        self.transcript.append(("bot", reply))
        return reply

    async def say(self, who: str, text: str) -> str:
        return await self.send(who, MessageReceived(self.sender(who), text), text)

    async def click(self, who: str, action: str, value: str = "") -> str:
        return await self.send(who, ButtonClicked(self.sender(who), action, value), f"(clicks {action} {value})")

    async def submit(self, who: str, values: Mapping[str, str], *, form: Any = None, name: str = "checkin") -> str:
        form = form or self.last_form
        state = {"checkin_id": str(form.checkin_id)} if isinstance(form, CheckInForm) else {}
        event = FormSubmitted(self.sender(who), name, dict(values), state)
        return await self.send(who, event, f"(submits {name} form)")

    async def verify_dialog(self, who: str, dialog: Iterable[tuple[str, str]]) -> None:
        """Say each message as `who` and check the bot's reply is exactly the expected text."""
        for said, expected in dialog:
            reply = await self.say(who, said)
            assert reply == expected, f"after {said!r} the bot said:\n{reply}\n--- expected:\n{expected}"

    async def deliver(self, message: OutboundMessage) -> Sent:
        self.delivered.append(message)
        self.transcript.append(("bot→" + message.address, self.renderer.render(message.template, message.context)))
        return Sent(message_ref=f"fake:{next(self._refs)}")
