"""The console as a ChatPlatform: a sent console Delivery *is* the person's inbox.

`deliver` records nothing extra and returns `Sent()`; `outcomebot chat` shows sent console
deliveries addressed to the person (and marks them seen) on start and after each command.
No message ref is returned, so nothing is ever "replaced in place" on the console.
"""

from __future__ import annotations

from jinja2 import TemplateError

from cadences.notifier import OutboundMessage, PermanentFailure, Sent
from messages.render import Renderer


class ConsolePlatform:
    name = "console"

    def __init__(self) -> None:
        self.renderer = Renderer("text")

    async def deliver(self, message: OutboundMessage) -> Sent:
        if not message.address:
            raise PermanentFailure("a console message needs the person's email as its address")
        if self.renderer.has_template(message.template):
            # A context that cannot render never will; a template this build lacks is still
            # kept in the inbox (the terminal says what kind of message it was).
            try:
                self.renderer.render(message.template, message.context)
            except TemplateError as exc:
                raise PermanentFailure(f"cannot render {message.template}: {exc}") from None
        return Sent()
