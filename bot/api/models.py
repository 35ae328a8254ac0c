"""The API's request and response shapes. The same pydantic models validate requests, shape
responses and generate the OpenAPI document (bot/api/openapi.py), so they cannot disagree."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict

from storage.api_tables import SOURCE_MAX
from storage.models import NOTE_MAX

Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
KRStatus = Literal["met", "on-track", "at-risk", "off-track", "unrated"]


class ValueIn(BaseModel):
    """A key result's value as another tool reports it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"value": 42, "at": "2026-11-30T09:00:00Z", "source": "jira", "note": "Sprint 48 closed"}]})

    value: Number = Field(description="The key result's value, in its unit.")
    at: AwareDatetime | None = Field(None, description="When the value was true, with a UTC offset; default: now.")
    source: str = Field("api", min_length=1, max_length=SOURCE_MAX, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                        description="Which tool reports it (shown beside the value).")
    note: str = Field("", max_length=NOTE_MAX, description="A short remark kept with the value.")


class ValueOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": 7, "key_result": "ENG-REL", "value": 42, "at": "2026-11-30T09:00:00Z", "source": "jira",
         "note": "Sprint 48 closed", "recorded_at": "2026-11-30T09:00:02Z", "current": True}]})

    id: int
    key_result: str
    value: float
    at: datetime
    source: str
    note: str
    recorded_at: datetime
    current: bool = Field(description="Whether this value is now the key result's current value.")


class HistoryPointOut(BaseModel):
    at: datetime
    value: float
    source: str = Field(description="`check-in` for the owner's own values, else the reporting tool.")
    confidence: int | None = Field(None, description="0..10, check-in values only.")
    note: str | None = Field(None, description="Check-in notes appear only with the admin scope.")


class HistoryOut(BaseModel):
    key_result: str
    values: list[HistoryPointOut]


class KeyResultOut(BaseModel):
    key: str
    title: str
    outcome: str
    objective: str
    owner: str | None = Field(description="The owner's email.")
    unit: str
    baseline: float
    target: float
    direction: Literal["increase", "decrease"]
    current: float | None
    current_source: str | None = Field(description="`check-in`, the tool that reported the current value, or null.")
    updated_at: datetime | None
    confidence: int | None = Field(description="Last confidence from a check-in, 0..10.")
    progress: float = Field(description="From baseline (0) to target (1), clamped.")
    status: KRStatus = Field(description="met, else by confidence: ≥7 on-track, 4–6 at-risk, ≤3 off-track.")


class KeyResultList(BaseModel):
    key_results: list[KeyResultOut]


class KeyResultBrief(BaseModel):
    key: str
    title: str
    current: float | None
    target: float
    confidence: int | None
    progress: float
    status: KRStatus


class ObjectiveOut(BaseModel):
    title: str
    period: str
    progress: float
    key_results: list[KeyResultBrief]


class OutcomeOut(BaseModel):
    key: str
    title: str
    period: str
    indicators: list[str]
    progress: float
    objectives: list[ObjectiveOut]


class OutcomeTree(BaseModel):
    outcomes: list[OutcomeOut]


class CheckInKeyResult(BaseModel):
    key: str
    value: float
    confidence: int
    note: str | None = Field(None, description="Only with the admin scope.")


class CheckInOut(BaseModel):
    """One line of the NDJSON export (the CSV has one row per key result answered)."""

    id: int
    person: str = Field(description="The person's email.")
    cadence: str
    period: str
    status: str
    prompted_at: datetime | None
    answered_at: datetime | None
    key_results: list[CheckInKeyResult]
    reflections: dict[str, str] | None = Field(None, description="Only with the admin scope.")


class CheckInQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = Field(None, description="Only check-ins prompted or answered at or after this instant.")
    cursor: str | None = Field(None, description="Where to continue: the `next` link of the previous page.")
    limit: int | None = Field(None, ge=1, le=10_000, description="At most this many; default: all, streamed.")


class ProblemError(BaseModel):
    field: str
    detail: str
    pointer: str | None = None
    in_: str = Field(alias="in")


class ProblemOut(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None
