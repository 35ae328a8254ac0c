"""Route outbox messages to the chat platform they are for.

`PlatformNotifier({name: ChatPlatform})` implements cadences.notifier.Notifier: it hands each
OutboundMessage to the adapter named by `message.platform`; a platform that is not configured
is a PermanentFailure (retrying cannot help), so the row is marked failed with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.platform import ChatPlatform
from cadences.notifier import OutboundMessage, PermanentFailure, Sent


class PlatformNotifier:
    def __init__(self, platforms: Mapping[str, ChatPlatform]) -> None:
        self.platforms = dict(platforms)

    async def deliver(self, message: OutboundMessage) -> Sent:
        platform = self.platforms.get(message.platform)
        if platform is None:
            known = ", ".join(sorted(self.platforms)) or "none"
            raise PermanentFailure(f"no {message.platform!r} platform is configured (configured: {known})")
        return await platform.deliver(message)

