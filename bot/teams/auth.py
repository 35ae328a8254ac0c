"""Who may talk to `/api/messages`: Bot Framework authentication from TEAMS_APP_* secrets.

Single-tenant when TEAMS_APP_TENANT_ID is set, multi-tenant otherwise (which tenants are served
is decided per activity: bot/teams/activity_handler.py). Without an app id the endpoint accepts
activities without a token (as the Bot Framework Emulator sends them) only when
`teams_allow_unauthenticated` is set, says so loudly at start, and `serve` then listens on
loopback only (bot/listen_policy.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication

from bot.config import AppConfig, Secrets
from bot.teams.signing_keys import TOKEN_CHECKS
from bot.teams.outbound_tokens import OffLoopCredentialsFactory

log = logging.getLogger(__name__)

UNAUTHENTICATED_WARNING = (
    "Teams: /api/messages accepts activities WITHOUT a Bot Framework token "
    "(teams_allow_unauthenticated). Use this only for local trials with the Emulator."
)


class NotAuthorized(Exception):
    """The request carries no usable Bot Framework token; answer 401."""


class SigningKeysUnavailable(Exception):
    """Bot Framework's signing keys could not be fetched to check a token; answer 503."""


@dataclass(frozen=True)
class TeamsCredentials:
    """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TENANTID: str | None

    @property
    def APP_TYPE(self) -> str:  # noqa: N802 - botbuilder's spelling
        return "SingleTenant" if self.APP_TENANTID else "MultiTenant"

    @classmethod
    def from_secrets(cls, secrets: Secrets) -> "TeamsCredentials":
        password = secrets.teams_app_password.get_secret_value() if secrets.teams_app_password else None
        return cls(
            APP_ID=secrets.teams_app_id or None,
            APP_PASSWORD=password,
            APP_TENANTID=secrets.teams_app_tenant_id or None,
        )


def teams_wanted(config: AppConfig, secrets: Secrets) -> bool:
    """Mount `/api/messages` when an app id is set or unauthenticated trials are allowed."""
    return secrets.teams_enabled or config.teams_allow_unauthenticated


class RequestAuthenticator:
    """Turns an Authorization header into botbuilder's AuthenticateRequestResult, or NotAuthorized."""

    def __init__(self, credentials: TeamsCredentials, *, allow_unauthenticated: bool) -> None:
        self.credentials = credentials
        self.requires_token = bool(credentials.APP_ID)
        if not self.requires_token and not allow_unauthenticated:
            raise ValueError(
                "Teams needs TEAMS_APP_ID and TEAMS_APP_PASSWORD in the environment "
                "(or teams_allow_unauthenticated: true for a local Emulator trial)"
            )
        if credentials.APP_TENANTID and not credentials.APP_PASSWORD:
            raise ValueError("TEAMS_APP_TENANT_ID is set (single-tenant) but TEAMS_APP_PASSWORD is missing")
        if allow_unauthenticated and self.requires_token:
            log.warning("Teams: teams_allow_unauthenticated is ignored because TEAMS_APP_ID is set")
        elif allow_unauthenticated:
            log.warning(UNAUTHENTICATED_WARNING)
        # botbuilder would fetch the bot's own outbound token on the event loop too
        self.outbound_tokens = OffLoopCredentialsFactory(ConfigurationServiceClientCredentialFactory(credentials))
        self.botframework: BotFrameworkAuthentication = ConfigurationBotFrameworkAuthentication(
            credentials, credentials_factory=self.outbound_tokens
        )

    def check_header(self, header: str | None) -> None:
        """NotAuthorized unless the header can hold a token (when one is required); no I/O."""
        if self.requires_token:
            scheme, _, token = (header or "").strip().partition(" ")
            if scheme != "Bearer" or token.count(".") != 2:
                raise NotAuthorized("missing or malformed Authorization header")

    async def authenticate(self, activity: Activity, header: str | None) -> AuthenticateRequestResult:
        """Check the token. Only the activity's `channel_id` and `service_url` are read, so an
        envelope with just those is enough (the rest of the body is not trusted yet)."""
        self.check_header(header)
        header = (header or "").strip()
        # On a thread of its own: botbuilder fetches Microsoft's signing keys synchronously.
        if not self.requires_token and not header:
            return await TOKEN_CHECKS.run(self.botframework.authenticate_request, activity, None)
        try:
            return await TOKEN_CHECKS.run(self.botframework.authenticate_request, activity, header)
        except requests.RequestException as exc:
            raise SigningKeysUnavailable(type(exc).__name__) from None
        except Exception as exc:  # noqa: BLE001
            # botbuilder lets jwt's DecodeError, an IndexError for an unknown key id and bare
            # Exceptions ("Token signing algorithm not in allowed list") escape: all mean 401.
            raise NotAuthorized(type(exc).__name__) from None
