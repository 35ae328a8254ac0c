"""Socket Mode: the same Bolt app fed over a websocket Slack opens for us, so a company can
run OutcomeBot with no public URL. Used when SLACK_APP_TOKEN is set."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.slack.app import SlackBot

log = logging.getLogger(__name__)


class SocketModeConnection:
    def __init__(self, bot: SlackBot, app_token: str, *, ping_interval: float = 10) -> None:
        self.handler = AsyncSocketModeHandler(bot.app, app_token, web_client=bot.client, ping_interval=ping_interval)

    async def start(self) -> None:
        """Open the websocket (apps.connections.open, then connect) and return; Bolt keeps
        receiving in background tasks until `stop`."""
        await self.handler.connect_async()
        log.info("connected to Slack in Socket Mode")

    async def stop(self) -> None:
        await self.handler.close_async()
