"""`web:` in app.yaml: where the dashboard is reached and how long a sign-in lasts."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator

LOCAL_URL = "http://127.0.0.1:3000"  # `outcomebot serve`'s default address


class WebSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The address people open, e.g. https://outcomebot.example.com; links the bot sends start
    # with it. Without it they point at the local server (`serve --host/--port`).
    public_url: str | None = None
    session_hours: float = 12
    # Filled by `serve` from --host/--port when no public_url is set; not meant for app.yaml.
    local_url: str = LOCAL_URL

    @field_validator("public_url", "local_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not an http(s) address such as https://outcomebot.example.com")
        return value.strip().rstrip("/")

    @field_validator("session_hours")
    @classmethod
    def _hours(cls, value: float) -> float:
        if not 0 < value <= 24 * 30:
            raise ValueError("session_hours must be more than 0 and at most 720 (30 days)")
        return value

    @property
    def base_url(self) -> str:
        return self.public_url or self.local_url

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")
