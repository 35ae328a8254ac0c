"""app.yaml, validated; `OUTCOMEBOT_*` environment variables override it; secrets only from the env.

Every command finds its configuration the same way: `--config`, else `OUTCOMEBOT_CONFIG`,
else `./app.yaml`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.loopback import is_loopback
from cadences.settings import (
    WEEKDAYS,
    CadenceRule,
    DeliveryPolicy,
    DigestSchedule,
    NudgePolicy,
    ReminderPolicy,
)
from bot.web.settings import WebSettings
from storage.plain_sqlite import default_database_url  # not storage.db: SQLAlchemy loads only when used
from storage.yamlfile import YamlError, load_yaml, plain

CONFIG_ENV = "OUTCOMEBOT_CONFIG"
_SHORT_DAYS = {day[:3]: day for day in WEEKDAYS}


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key path and the problem."""


class Organisation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "Our company"
    timezone: str = "UTC"
    country: str = "US"
    working_days: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday")
    admins: tuple[str, ...] = ()  # emails

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA timezone such as Europe/Berlin") from None
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        code = value.upper()
        if code not in _holiday_countries():
            raise ValueError(f"{value!r} is not a country code the holidays package knows (e.g. DE, US, IN)")
        return code

    @field_validator("working_days", mode="before")
    @classmethod
    def _working_days(cls, value: Any) -> tuple[str, ...]:
        days = []
        for item in value or ():
            day = str(item).strip().lower()
            day = _SHORT_DAYS.get(day[:3], day) if len(day) == 3 else day
            if day not in WEEKDAYS:
                raise ValueError(f"{item!r} is not a weekday")
            days.append(day)
        if not days:
            raise ValueError("at least one working day is needed")
        return tuple(days)

    @field_validator("admins", mode="before")
    @classmethod
    def _admins(cls, value: Any) -> tuple[str, ...]:
        return tuple(str(email).strip().lower() for email in value or ())


def _holiday_countries() -> frozenset[str]:
    """Country codes the holidays package knows, read from its registry table: calling
    `list_supported_countries()` imports all ~250 country modules (most of a second per command)."""
    try:
        from holidays.registry import COUNTRIES

        return frozenset(names[1] for names in COUNTRIES.values())
    except (ImportError, AttributeError, IndexError, TypeError):  # a holidays release laid out otherwise
        import holidays

        return frozenset(holidays.list_supported_countries())


class TeamChannels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    slack: str | None = None  # Slack channel id, e.g. C0123ABCD
    teams: str | None = None  # Teams channel conversation id

    def by_platform(self) -> dict[str, str]:
        """{platform name: configured channel id}, for the platforms given one."""
        return {platform: address for platform, address in self.model_dump().items() if address}


class Publisher(BaseModel):
    """Who publishes the Teams app (`outcomebot teams package` shows it in Teams)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    website_url: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None


class Channels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Where a team's wins and announcements go, by team name from the people import.
    teams: dict[str, TeamChannels] = Field(default_factory=dict)


class TeamsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Entra ID tenants whose people may use a multi-tenant bot (TEAMS_APP_TENANT_ID counts too);
    # activities from any other tenant are refused. See SECURITY.md.
    allowed_tenants: tuple[str, ...] = ()

    @field_validator("allowed_tenants", mode="before")
    @classmethod
    def _tenants(cls, value: Any) -> tuple[str, ...]:
        return tuple(str(tenant).strip().lower() for tenant in value or () if str(tenant).strip())


def _default_cadences() -> tuple[CadenceRule, ...]:
    return (
        CadenceRule(name="weekly", every="week", on="monday", at="09:00"),
        CadenceRule(
            name="monthly",
            every="month",
            on="first monday",
            at="10:00",
            questions=(
                "Which outcome moved most this month, and what changed in how people behave?",
                "What would you stop doing to make more progress next month?",
            ),
        ),
    )


class _YamlSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ is used
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self._data


class AppConfig(BaseSettings):
    """The whole configuration; construct it with `load_config`."""

    model_config = SettingsConfigDict(
        env_prefix="OUTCOMEBOT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    organisation: Organisation = Field(default_factory=Organisation)
    cadences: tuple[CadenceRule, ...] = Field(default_factory=_default_cadences)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    digest: DigestSchedule = Field(default_factory=DigestSchedule)
    nudges: NudgePolicy = Field(default_factory=NudgePolicy)
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy)
    channels: Channels = Field(default_factory=Channels)
    # The public base URL of links the bot sends (the dashboard's sign-in links; `doctor` checks
    # it) and the dashboard's sessions (bot/web/settings.py).
    web: WebSettings = Field(default_factory=WebSettings)
    publisher: Publisher = Field(default_factory=Publisher)
    database_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    slack_api_url: str | None = None
    log_format: Literal["text", "json"] = "text"
    shutdown_grace_seconds: float = Field(default=20, ge=0)  # SIGTERM: in-flight sends get this long
    teams_login_url: str | None = None  # Entra ID's token service (default Microsoft's; tests point elsewhere)
    teams_allow_unauthenticated: bool = False
    teams: TeamsSettings = Field(default_factory=TeamsSettings)
    # Not from the file: where the file is, so the SQLite default sits next to it.
    config_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("slack_api_url", "teams_login_url")
    @classmethod
    def _slack_api_url(cls, value: str | None) -> str | None:
        """The bot token (Slack) or the app's client secret (Teams' login URL) travels with every
        call: only https, or http to this machine (tests, a local proxy)."""
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
            return value
        raise ValueError(f"{value!r} must be an https:// URL (plain http:// only to this machine, "
                         "e.g. http://127.0.0.1:8080/api/): a token or secret is sent with every call")

    @model_validator(mode="after")
    def _unique_cadences(self) -> "AppConfig":
        names = [rule.name for rule in self.cadences]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"cadence names must be unique; repeated: {', '.join(duplicates)}")
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        # Environment overrides the file; the file comes in through init kwargs.
        return (env_settings, init_settings)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url(self.config_dir)

    def cadence(self, name: str) -> CadenceRule:
        for rule in self.cadences:
            if rule.name == name:
                return rule
        raise KeyError(name)


class Secrets(BaseSettings):
    """Tokens and passwords, from the environment only; never logged, never in app.yaml."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_app_tenant_id: str | None = None

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id)


def config_path(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return explicit
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path("app.yaml")


def format_validation_error(error: ValidationError, source: str) -> str:
    lines = [f"{source} is not valid:"]
    for problem in error.errors():
        path = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"  {path}: {message}")
    return "\n".join(lines)


def load_config(path: Path | None = None, *, required: bool = False) -> AppConfig:
    """Read and validate app.yaml (a missing file means all defaults unless `required`)."""
    path = config_path(path)
    data: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = load_yaml(path.read_text(encoding="utf-8"))
        except YamlError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path} must be a mapping of settings at the top level")
        data = plain(loaded or {})
    elif required:
        raise ConfigError(f"{path} does not exist; run `outcomebot init` to create a starter file")
    try:
        return AppConfig(**data, config_dir=path.resolve().parent)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path))) from None
