"""The registry of chat platforms: every surface the bot speaks on, in one table.

Each entry says what the platform is called (the `Sender.platform` and `Delivery.platform`
value), which templates it renders (messages/templates/<surface>/), how it is configured,
and where its adapter is: `mount(app, runtime)` adds its webhook to `serve`, `outbound(runtime)`
opens it for a one-shot `tick`. Chat platforms also register how the outbox addresses people
and team channels there (cadences.chat_platforms), in this table's order of preference.

Importing `bot` registers the table (bot/__init__.py), so the router, the server, the ticker
and the outbox all see the same platforms. Adding one is docs/platforms.md's recipe: a folder
under bot/, one entry below, its templates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from cadences import chat_platforms
from cadences.chat_platforms import ChatAddressing

if TYPE_CHECKING:  # pragma: no cover
    from aiohttp import web

    from bot.platform import ChatPlatform
    from bot.runtime import Runtime

Mount = Callable[["web.Application", "Runtime"], "ChatPlatform | None"]
Outbound = Callable[["Runtime"], AbstractAsyncContextManager["ChatPlatform | None"]]


@dataclass(frozen=True)
class PlatformEntry:
    name: str  # Sender.platform / Delivery.platform, e.g. "slack"
    surface: Literal["text", "slack", "teams"] | str  # messages/templates/<surface>/
    configured_by: str  # what turns it on, for people and for `outcomebot doctor`-like messages
    enabled: Callable[["Runtime"], bool]
    # People are found by their chat identity on this platform (`addressing` set), or by the
    # email they type as (the console).
    addressing: ChatAddressing | None = None
    mount: Mount | None = None  # for `serve`: routes + the outbox platform
    outbound: Outbound | None = None  # for `tick`: the outbox platform alone, closed afterwards
    always: Callable[[], "ChatPlatform"] | None = None  # in every process, no credentials needed


_ENTRIES: dict[str, PlatformEntry] = {}


def register(entry: PlatformEntry) -> None:
    """Add a platform to the registry (and its addressing to cadences'). Same name: replaced."""
    _ENTRIES[entry.name] = entry
    if entry.addressing is not None:
        chat_platforms.register(entry.addressing)


def unregister(name: str) -> None:
    """Remove a platform again (tests register toy platforms for a while)."""
    entry = _ENTRIES.pop(name, None)
    if entry is not None and entry.addressing is not None:
        chat_platforms.unregister(name)


def entries() -> tuple[PlatformEntry, ...]:
    return tuple(_ENTRIES.values())


def entry(name: str) -> PlatformEntry | None:
    return _ENTRIES.get(name)


def identifies_by_chat_id(platform: str) -> bool:
    """True when a sender on `platform` is named by their chat id, not by an email."""
    found = _ENTRIES.get(platform)
    return found is not None and found.addressing is not None


def default_platforms() -> dict[str, "ChatPlatform"]:
    """Platforms every process has (the console); others add theirs when configured."""
    return {e.name: e.always() for e in _ENTRIES.values() if e.always is not None}


def enabled_entries(runtime: "Runtime") -> list[PlatformEntry]:
    """The platforms configured in this process (credentials set), in registry order."""
    return [e for e in _ENTRIES.values() if e.always is None and e.enabled(runtime)]


@asynccontextmanager
async def outbound_platforms(runtime: "Runtime") -> AsyncIterator[dict[str, "ChatPlatform"]]:
    """For `tick`: every platform the outbox may need, without HTTP routes; closed afterwards."""
    platforms = default_platforms()
    async with AsyncExitStack() as stack:
        for found in enabled_entries(runtime):
            if found.outbound is None:
                continue
            platform = await stack.enter_async_context(found.outbound(runtime))
            if platform is not None:
                platforms[platform.name] = platform
        yield platforms


def _register_builtin() -> None:
    # Imported here, not at the top: bot.console/slack/teams import their SDKs only when used.
    import bot.console as console
    import bot.slack as slack
    import bot.teams as teams

    for package in (console, slack, teams):  # order = preference for people's direct messages
        register(package.PLATFORM)


_register_builtin()
