"""SQLModel tables for the whole OutcomeBot vocabulary (see docs/architecture.md, "Vocabulary").

All datetimes are timezone-aware and stored as UTC (SQLModel's UTCDateTime refuses naive
ones); convert to the person's own timezone only at the edges. Enumerations are stored as short strings so a migration is never needed
to add a value.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

# Longest texts the storage allows; templates are validated against them.
NAME_MAX = 120
EMAIL_MAX = 254
TITLE_MAX = 200
TEXT_MAX = 1000
NOTE_MAX = 500


def utcnow() -> datetime:
    """Aware UTC now. Pure code takes `now` as an argument instead of calling this."""
    return datetime.now(timezone.utc)


def progress_between(baseline: float, target: float, current: float | None) -> float:
    """How far `current` has come from baseline to target, 0..1 (no value yet → 0; either direction)."""
    value = baseline if current is None else current
    span = target - baseline
    return 1.0 if span == 0 else max(0.0, min(1.0, (value - baseline) / span))


class CheckInStatus(StrEnum):
    pending = "pending"
    prompted = "prompted"
    reminded = "reminded"
    answered = "answered"
    missed = "missed"
    skipped = "skipped"


class BlockerStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class WinStatus(StrEnum):
    draft = "draft"  # waiting for the author's consent
    approved = "approved"  # author allowed it; an announcement delivery is queued
    posted = "posted"  # an announcement was sent to a team channel (cadences.send_results)
    private = "private"  # author keeps it to themselves and their manager chain


class DeliveryStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    unreachable = "unreachable"
    cancelled = "cancelled"


class Direction(StrEnum):
    increase = "increase"
    decrease = "decrease"


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=NAME_MAX, unique=True)
    # Its channels (Slack, Teams, …) are rows of their own: storage.team_channels.


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=EMAIL_MAX, unique=True)
    name: str = Field(max_length=NAME_MAX)
    timezone: str = Field(max_length=64)
    country: str = Field(max_length=8)
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    # Chat identities (Slack, Teams, …) are rows of their own: storage.identities.
    is_admin: bool = False
    active: bool = True
    unreachable_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class LeavePeriod(SQLModel, table=True):
    __tablename__ = "leave_period"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    starts_on: date
    ends_on: date  # inclusive


class Outcome(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    title: str = Field(max_length=TITLE_MAX)
    owner_id: int | None = Field(default=None, foreign_key="person.id")
    period: str = Field(max_length=16)
    indicators: list[str] = Field(default_factory=list, sa_column=Column(JSON))


class Objective(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("outcome_id", "title", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    outcome_id: int = Field(foreign_key="outcome.id", index=True)
    title: str = Field(max_length=TITLE_MAX)
    period: str = Field(max_length=16)
    owner_person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    owner_team_id: int | None = Field(default=None, foreign_key="team.id", index=True)


class KeyResult(SQLModel, table=True):
    __tablename__ = "key_result"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    objective_id: int = Field(foreign_key="objective.id", index=True)
    title: str = Field(max_length=TITLE_MAX)
    owner_id: int = Field(foreign_key="person.id", index=True)
    unit: str = Field(default="", max_length=32)
    baseline: float
    target: float
    current: float | None = None
    confidence: int | None = None  # last reported, 0..10
    direction: Direction = Field(sa_type=String(16))
    updated_at: datetime | None = None

    def progress(self) -> float:
        """Fraction of the way from baseline to target, clamped to 0..1."""
        return progress_between(self.baseline, self.target, self.current)

    def target_met(self) -> bool:
        if self.current is None:
            return False
        if self.direction == Direction.increase:
            return self.current >= self.target
        return self.current <= self.target


class Cadence(SQLModel, table=True):
    """A mirror of an `app.yaml` cadence so check-ins can reference it by id."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    every: str = Field(max_length=8)  # week | month
    on: str = Field(max_length=32)
    at: str = Field(max_length=5)
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON))


class PromptSchedule(SQLModel, table=True):
    """When each person is next due a prompt for a cadence; the planner reads only due rows."""

    __tablename__ = "prompt_schedule"
    __table_args__ = (UniqueConstraint("person_id", "cadence_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    cadence_id: int = Field(foreign_key="cadence.id")
    period: str = Field(max_length=16)  # the period the next prompt is for
    next_prompt_at: datetime = Field(index=True)  # UTC


class CheckIn(SQLModel, table=True):
    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("person_id", "cadence_id", "period"),
        Index("ix_checkin_next_action_at", "next_action_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    cadence_id: int = Field(foreign_key="cadence.id")
    period: str = Field(max_length=16)  # 2026-W48 or 2026-11
    status: CheckInStatus = Field(default=CheckInStatus.pending, sa_type=String(16))
    # When the planner must next look at this row (reminder or end of period); NULL when done.
    next_action_at: datetime | None = None
    period_ends_at: datetime | None = None
    prompted_at: datetime | None = None
    reminders_sent: int = 0
    answered_at: datetime | None = None
    reflections: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    skip_reason: str | None = Field(default=None, max_length=200)  # said when skipping ("on leave")
    snoozed_until: datetime | None = None  # a snoozed prompt comes back once then, as a reminder


class KRUpdate(SQLModel, table=True):
    __tablename__ = "kr_update"
    __table_args__ = (UniqueConstraint("checkin_id", "key_result_id"),)

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    key_result_id: int = Field(foreign_key="key_result.id", index=True)
    value: float
    confidence: int  # 0..10
    note: str = Field(default="", max_length=NOTE_MAX)
    created_at: datetime = Field(default_factory=utcnow, index=True)  # values since a date (insights)


class Blocker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    checkin_id: int | None = Field(default=None, foreign_key="checkin.id", index=True)
    key_result_id: int | None = Field(default=None, foreign_key="key_result.id", index=True)
    text: str = Field(max_length=TEXT_MAX)
    status: BlockerStatus = Field(default=BlockerStatus.open, sa_type=String(16), index=True)
    created_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


class Win(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    checkin_id: int | None = Field(default=None, foreign_key="checkin.id", index=True)
    key_result_id: int | None = Field(default=None, foreign_key="key_result.id", index=True)
    text: str = Field(max_length=TEXT_MAX)
    share: bool = False  # the author allows it in the team channel
    status: WinStatus = Field(default=WinStatus.draft, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow)
    posted_at: datetime | None = None


class Nudge(SQLModel, table=True):
    __table_args__ = (Index("ix_nudge_manager_created", "manager_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="person.id")
    report_id: int = Field(foreign_key="person.id", index=True)
    rule: str = Field(max_length=32)
    key_result_id: int | None = Field(default=None, foreign_key="key_result.id")
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    question: str = Field(default="", max_length=TEXT_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    dismissed_at: datetime | None = None  # the manager said "not useful"


class Delivery(SQLModel, table=True):
    """The outbox: every outbound message, written with the change that caused it."""

    __table_args__ = (Index("ix_delivery_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    # The win a `win_announcement` announces: posted once one of these is sent (no foreign key
    # or index: only read by the delivery's id, and the outbox outlives housekeeping of wins).
    win_id: int | None = None
    platform: str = Field(max_length=16)  # slack | teams | console
    address: str = Field(default="", max_length=200)  # user id / channel / conversation
    template: str = Field(max_length=64)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=String(16))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    message_ref: str | None = Field(default=None, max_length=200)  # set once sent
    replaces_ref: str | None = Field(default=None, max_length=200)  # update this message instead
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    seen_at: datetime | None = None  # console only: shown to the person by `outcomebot chat`


class ProcessedEvent(SQLModel, table=True):
    """Inbound platform events already handled, so a retried event is recorded once."""

    __tablename__ = "processed_event"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    event_key: str = Field(max_length=200, unique=True)
    received_at: datetime = Field(default_factory=utcnow)


from storage.identity_conflicts import IdentityConflict  # noqa: E402,F401  (registers the table)
from storage.identities import PersonIdentity  # noqa: E402,F401  (registers the chat_identity table)
from storage.team_channels import TeamChannelRow  # noqa: E402,F401  (registers the team_channel table)

# The dashboard's sign-in tables live in their own module; importing it here registers them
# wherever the models are (Alembic, the schema check in tests).
from storage import dashboard_tables  # noqa: E402,F401
# The API's and pull sources' tables live in their own module; importing it registers them.
from storage import api_tables  # noqa: E402,F401
