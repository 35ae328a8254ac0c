"""Where `serve` may listen: the unauthenticated Teams mode is for the Bot Framework Emulator on
this machine only, so with it the server refuses any address but loopback."""

from __future__ import annotations

from bot.config import AppConfig, Secrets
from bot.loopback import is_loopback


def listen_refusal(host: str, config: AppConfig, secrets: Secrets) -> str | None:
    """Why `serve --host HOST` must not start with this configuration; None when it may."""
    unauthenticated_teams = config.teams_allow_unauthenticated and not secrets.teams_enabled
    if unauthenticated_teams and not is_loopback(host):
        return (f"Refusing to listen on {host}: teams_allow_unauthenticated lets anyone who can reach "
                "/api/messages act as anyone, so it works only with --host 127.0.0.1 (the Bot Framework "
                "Emulator on this machine). For a real Teams bot set TEAMS_APP_ID and TEAMS_APP_PASSWORD instead.")
    return None
