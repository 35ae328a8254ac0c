"""The console as a ChatPlatform: a sent console Delivery *is* the person's inbox.

`deliver` records nothing extra and returns `Sent()`; `outcomebot chat` shows sent console
deliveries addressed to the person (and marks them seen) on start and after each command.
No message ref is returned, so nothing is ever "replaced in place" on the console.
"""

from __future__ import annotations

from jinja2 import TemplateError

from cadences.notifier import OutboundMessage, PermanentFailure, Sent
from messages.render import Renderer, TemplateNotFound


class ConsolePlatform:
    name = "console"

    def __init__(self) -> None:
        self.renderer = Renderer("text")

    async def deliver(self, message: OutboundMessage) -> Sent:
        if not message.address:
            raise PermanentFailure("a console message needs the person's email as its address")
        try:
            self.renderer.render(message.template, message.context)
        except (TemplateNotFound, TemplateError) as exc:
            raise PermanentFailure(f"cannot render {message.template}: {exc}") from None
        return Sent()
