"""The REPL: `[alice@x.com ➡ bot] okrs`, the same commands as in Slack and Teams.

Messages the bot sent to this person while they were away (prompts, reminders, digests: sent
console deliveries) are shown once, on start and after each command. In terminal-only mode
(no Slack or Teams) the outbox is sent after each command, so what it caused shows at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from jinja2 import TemplateError

from bot.checkin_form import CheckInForm
from bot.console.form import FormQuestions
from bot.console.io import LineReader, Writer
from bot.fake import describe_form
from bot.platform import FormRejected, FormSubmitted, Intent, MessageReceived, Reply, Sender, ShowForm
from bot.router import Router
from messages.render import Renderer, TemplateNotFound
from storage.models import Delivery, utcnow
from storage.repositories.deliveries import mark_seen, unseen_console_messages

EXIT_WORDS = {"quit", "exit", "bye", ":q"}


class ConsoleChat:
    def __init__(
        self,
        router: Router,
        email: str,
        *,
        read: LineReader,
        write: Writer,
        clock: Callable[[], datetime] | None = None,
        send_due: Callable[[datetime], Awaitable[Any]] | None = None,
    ) -> None:
        """`send_due(now)`: in terminal-only mode, sends the outbox after each command, so what
        a command caused (the author told their blocker was acknowledged) arrives at once."""
        self.router = router
        self.email = email.strip().lower()
        self.read = read
        self.write = write
        self.clock = clock or router.clock or utcnow
        self.renderer = Renderer("text")
        self.sender = Sender(platform="console", user_ref=self.email, conversation=f"console:{self.email}")
        self.prompt = f"[{self.email} ➡ bot] "
        self.send_due = send_due

    async def run(self) -> None:
        """Read commands until `quit` or end of input; never raises on end of input."""
        self.write(f"Chatting with OutcomeBot as {self.email}. Type `help` for the commands, `quit` or Ctrl-D to leave.")
        await self.show_inbox()
        while True:
            try:
                line = (await self.read(self.prompt)).strip()
            except EOFError:
                self.write("")
                self.write("Bye!")
                return
            if not line:
                continue
            if line.lower() in EXIT_WORDS:
                self.write("Bye!")
                return
            if not await self.handle(line):
                return
            if self.send_due is not None:
                await self.send_due(self.clock())
            await self.show_inbox()

    async def handle(self, line: str) -> bool:
        """One command and everything it leads to; False when input ended inside a form."""
        intents = await self.router.dispatch(MessageReceived(self.sender, line))
        return await self.show(intents)

    async def show(self, intents: list[Intent]) -> bool:
        for intent in intents:
            if isinstance(intent, Reply):
                self.write(self.renderer.render(intent.template, intent.context))
            elif isinstance(intent, ShowForm) and isinstance(intent.form, CheckInForm):
                if not await self.fill_checkin(intent.form):
                    return False
            elif isinstance(intent, FormRejected):
                self.write("Some answers were not accepted, so nothing was saved:")
                for problem in intent.errors.values():
                    self.write(f"  ⚠ {problem}")
            else:
                self.write(describe_form(getattr(intent, "form", intent)))
        return True

    async def fill_checkin(self, form: CheckInForm) -> bool:
        questions = FormQuestions(self.read, self.write)
        values = await questions.fill(form)
        if values is None:
            return not questions.input_ended  # `cancel` goes back to the commands, Ctrl-D leaves
        self.write("")
        submitted = FormSubmitted(self.sender, "checkin", values, {"checkin_id": str(form.checkin_id)})
        return await self.show(await self.router.dispatch(submitted))

    async def show_inbox(self) -> None:
        async with self.router.db.transaction() as session:
            messages = await unseen_console_messages(session, self.email)
            for message in messages:
                self.write(f"📬 {self._render(message)}")
            await mark_seen(session, [m.id for m in messages], self.clock())  # type: ignore[misc]

    def _render(self, message: Delivery) -> str:
        try:
            return self.renderer.render(message.template, message.context or {})
        except (TemplateNotFound, TemplateError):
            return f"(a {message.template.replace('_', ' ')} message this terminal cannot show)"
