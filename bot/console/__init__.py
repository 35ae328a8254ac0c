"""The terminal adapter: `outcomebot chat --as EMAIL`, a REPL over the same router as Slack/Teams."""

from __future__ import annotations

from bot.platforms import PlatformEntry


def _console_platform():
    from bot.console.platform import ConsolePlatform

    return ConsolePlatform()


# The registry entry (bot.platforms): always on; people are named by email, and a sent console
# message is their inbox, shown by `outcomebot chat`.
PLATFORM = PlatformEntry(
    name="console", surface="text", configured_by="always on (`outcomebot chat --as EMAIL`)",
    enabled=lambda runtime: True, always=_console_platform,
)
