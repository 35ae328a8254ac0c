"""The parts of app.yaml that cadence logic reads, as validated models.

bot/config.py composes these into the whole AppConfig; cadences/ never imports bot/.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINALS = ("first", "second", "third", "fourth", "last")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _check_hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError(f"must be a 24-hour local time like \"09:00\", not {value!r}")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CadenceRule(Strict):
    """A weekly or monthly check-in rule.

    `on` for `every: week` is a weekday name; for `every: month` it is a day 1..28,
    "first monday" … "last friday", or "last working day".
    """

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    every: Literal["week", "month"]
    on: str
    at: str = "09:00"
    questions: tuple[str, ...] = ()

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        return _check_hhmm(value)

    @field_validator("on", mode="before")
    @classmethod
    def _on(cls, value: object, info) -> str:
        text = str(value).strip().lower()
        every = info.data.get("every")
        if every == "week":
            if text not in WEEKDAYS:
                raise ValueError(f"a weekly cadence runs on a weekday (monday … sunday), not {value!r}")
            return text
        if text.isdigit():
            if not 1 <= int(text) <= 28:
                raise ValueError("a day of the month must be 1..28 so it exists in every month")
            return text
        if text == "last working day":
            return text
        parts = text.split()
        if len(parts) == 2 and parts[0] in _ORDINALS and parts[1] in WEEKDAYS:
            return text
        raise ValueError(
            f"a monthly cadence runs on a day 1..28, 'first monday' … 'last friday' "
            f"or 'last working day', not {value!r}"
        )

    @property
    def local_time(self) -> time:
        return parse_hhmm(self.at)


class ReminderPolicy(Strict):
    after_hours: int = Field(default=24, ge=1, le=24 * 14)
    max: int = Field(default=1, ge=0, le=5)


class DigestOverride(Strict):
    weekday: Literal[WEEKDAYS] | None = None  # type: ignore[valid-type]
    at: str | None = None

    @field_validator("at")
    @classmethod
    def _at(cls, value: str | None) -> str | None:
        return None if value is None else _check_hhmm(value)


class DigestSchedule(Strict):
    weekday: Literal[WEEKDAYS] = "monday"  # type: ignore[valid-type]
    at: str = "08:30"
    # Per-manager override, keyed by the manager's email.
    overrides: dict[str, DigestOverride] = Field(default_factory=dict)

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        return _check_hhmm(value)


class NudgePolicy(Strict):
    budget_per_week: int = Field(default=3, ge=0, le=50)
    cooldown_days: int = Field(default=14, ge=1, le=90)


class DeliveryPolicy(Strict):
    max_attempts: int = Field(default=8, ge=1, le=50)
    base_backoff_seconds: float = Field(default=2.0, gt=0, le=600)
    max_backoff_seconds: float = Field(default=900.0, gt=0, le=86400)
    batch_size: int = Field(default=500, ge=1, le=10000)
    concurrency: dict[str, int] = Field(default_factory=lambda: {"slack": 4, "teams": 16, "console": 64})
    # Extra caps on sends per second per platform, none by default (Teams keeps its own limits
    # per tenant and conversation in its adapter; cadences.rate_limits).
    rate_per_second: dict[str, float] = Field(default_factory=dict)
