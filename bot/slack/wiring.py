"""Everything Slack adds to the process, for `serve`: the `POST /slack/events` route, the
outbox platform, and — when SLACK_APP_TOKEN is set — the Socket Mode connection opened when
the web application starts and closed when it stops.

    slack = build_slack(runtime)              # None when SLACK_BOT_TOKEN is not set
    slack.attach(web_app)                     # route + Socket Mode lifecycle
    platforms["slack"] = slack.platform       # for the outbox sender
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from bot import http_limits
from bot.slack.app import Dispatcher, SlackBot
from bot.slack.http import SLACK_EVENTS_PATH, events_handler
from bot.slack.platform import SlackPlatform
from bot.slack.socket_mode import SocketModeConnection

log = logging.getLogger(__name__)


@dataclass
class SlackWiring:
    bot: SlackBot
    socket_mode: SocketModeConnection | None = None

    @property
    def platform(self) -> SlackPlatform:
        return self.bot.platform

    @property
    def routes(self) -> list[web.RouteDef]:
        return [web.post(SLACK_EVENTS_PATH, events_handler(self.bot))]

    def mount(self, app: web.Application) -> None:
        http_limits.install(app)
        app.add_routes(self.routes)

    def attach(self, app: web.Application) -> None:
        """Mount the route and tie Socket Mode (if any) to the application's lifetime. At the
        end Socket Mode stops taking new envelopes first, then the bot finishes what it
        started after acks and closes its connection pool."""
        self.mount(app)
        if self.socket_mode is not None:
            app.on_startup.append(self._start_socket_mode)
            app.on_cleanup.append(self._stop_socket_mode)
        app.on_cleanup.append(self._close)

    async def _close(self, _app: web.Application) -> None:
        await self.bot.close()

    async def _start_socket_mode(self, _app: web.Application) -> None:
        await self.socket_mode.start()  # type: ignore[union-attr]

    async def _stop_socket_mode(self, _app: web.Application) -> None:
        await self.socket_mode.stop()  # type: ignore[union-attr]


def build_slack(runtime, *, router: Dispatcher | None = None) -> SlackWiring | None:
    """Slack for a Runtime, or None when SLACK_BOT_TOKEN is not set."""
    secrets = runtime.secrets
    if secrets.slack_bot_token is None:
        return None
    if router is None:
        from bot.router import Router

        router = Router(runtime.config, runtime.db)
    bot = SlackBot(config=runtime.config, secrets=secrets, db=runtime.db, router=router)
    socket_mode = None
    if secrets.slack_app_token is not None:
        socket_mode = SocketModeConnection(bot, secrets.slack_app_token.get_secret_value())
        log.info("Slack: Socket Mode (SLACK_APP_TOKEN is set); no public URL needed")
    elif secrets.slack_signing_secret is None:
        log.warning("Slack: neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is set; "
                    "every request to %s will be refused with 401", SLACK_EVENTS_PATH)
    return SlackWiring(bot=bot, socket_mode=socket_mode)
