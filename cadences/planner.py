"""The planner: who is due a check-in prompt now, and writing those prompts to the outbox.

Every active person has one PromptSchedule row per cadence: the period their next prompt is
for and `next_prompt_at` (UTC, indexed). A tick reads only rows with `next_prompt_at <= now`,
in batches, each batch in one transaction that creates the CheckIns, their outbox Deliveries
and the next schedule together — so a crash leaves either all of it or none of it.

* `plan` creates schedules for people who have none. The per-tick form only looks at people
  added since the last schedule (an id watermark, one index lookup); `plan(everyone=True)`
  (at `serve` start and hourly) also finds anyone else without one, and `replan(ids)`
  recomputes chosen people after their timezone, country or leave changed.
* A due row is re-checked against today's calendar: leave added since it was planned moves
  the prompt later without sending anything.
* After downtime, periods that ended unprompted become `missed` silently and only the
  current period is prompted — one catch-up prompt, never a burst.
* A period whose every day is off is recorded `skipped`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from cadences import checkin_messages as cm
from cadences.calendar import current_period_for, prompt_at
from cadences.lifecycle import advance_checkins
from cadences.notifier import OutboundMessage
from cadences.people import PersonFacts, load_key_results, load_people
from cadences.periods import next_period, period_bounds, period_first_day
from cadences.registry import sync_cadences
from cadences.sender import DeliverySender
from cadences.settings import CadenceRule, ReminderPolicy
from storage.db import Database
from storage.models import CheckInStatus
from storage.repositories import planning as rows_

log = logging.getLogger(__name__)
MAX_MISSED_PERIODS = 60
DEFAULT_WORKING_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


@dataclass(frozen=True)
class PlannerSettings:
    cadences: tuple[CadenceRule, ...]
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    working_days: tuple[str, ...] = DEFAULT_WORKING_DAYS
    batch_size: int = 2000


@dataclass
class PlanResult:
    scheduled: int = 0
    prompted: int = 0
    already_answered: int = 0
    reminded: int = 0
    missed: int = 0
    skipped: int = 0

    def add(self, other: "PlanResult") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def upcoming(rule: CadenceRule, period: str, person: PersonFacts) -> tuple[str, datetime]:
    """The schedule for `period`: its prompt time, or its start when it will be skipped."""
    at = prompt_at(rule, period, tz=person.timezone, calendar=person.calendar)
    return period, at if at is not None else period_bounds(period, person.timezone)[0]


def first_schedule(rule: CadenceRule, person: PersonFacts, now: datetime) -> tuple[str, datetime]:
    """A new schedule: this period if its prompt is still ahead, else the next period."""
    period = current_period_for(rule, now, person.timezone)
    at = prompt_at(rule, period, tz=person.timezone, calendar=person.calendar)
    if at is not None and at >= now:
        return period, at
    return upcoming(rule, next_period(period), person)


class Planner:
    """Plans prompts; with a `sender`, each batch's prompts go out as soon as the batch commits.

    Handing prompts over (instead of leaving them for the sender to claim) saves a claim
    query, an UPDATE and a JSON parse per prompt. The rows are written already claimed
    (status `sending` with a lease) in the batch's transaction, so a crash leaves them to the
    lease, exactly like claimed rows. While one batch is being sent the next one is planned
    and written (SQLite and the network work while the sends render); that one's sends start
    once the one before has finished and its results are written. So at most two batches are
    in flight, and only one of them is being sent: a process killed mid fan-out leaves at
    most one batch whose sends may be repeated after its lease expires.
    """

    def __init__(self, db: Database, settings: PlannerSettings, *, sender: DeliverySender | None = None) -> None:
        self.db = db
        self.settings = settings
        self.sender = sender
        self._rules_by_id: dict[int, CadenceRule] | None = None
        self._full_plan_needed = False
        self._lock = asyncio.Lock()

    async def rules_by_id(self) -> dict[int, CadenceRule]:
        """Mirror the configured cadences once per process; a new or changed rule is re-planned."""
        async with self._lock:
            for attempt in (1, 2):
                if self._rules_by_id is not None:
                    break
                try:
                    async with self.db.transaction() as session:
                        changed, added = await _changed_cadences(session, self.settings.cadences)
                        rows = await sync_cadences(session, self.settings.cadences)
                        if changed:
                            await rows_.delete_schedules_of_cadences(session, changed)
                    self._rules_by_id = {rows[rule.name].id: rule for rule in self.settings.cadences}
                    self._full_plan_needed = bool(changed or added)
                except IntegrityError:  # another process mirrored the same cadence first
                    if attempt == 2:
                        raise
        return self._rules_by_id

    async def plan(self, now: datetime, *, everyone: bool = False) -> int:
        rules = await self.rules_by_id()
        async with self.db.transaction() as session:
            return await self._plan(session, rules, now, everyone=everyone)

    async def replan(self, person_ids: list[int], now: datetime) -> int:
        """Recompute these people's schedules (after a timezone, country or leave change)."""
        rules = await self.rules_by_id()
        async with self.db.transaction() as session:
            await rows_.delete_schedules_of_people(session, person_ids)
            return await self._create(session, person_ids, rules, now)

    async def _plan(self, session: AsyncSession, rules: dict[int, CadenceRule], now: datetime, *, everyone: bool) -> int:
        if self._full_plan_needed:
            everyone, self._full_plan_needed = True, False
        ids = await rows_.people_without_schedules(session, cadence_count=len(rules), everyone=everyone)
        created = 0
        for start in range(0, len(ids), self.settings.batch_size):
            created += await self._create(session, ids[start : start + self.settings.batch_size], rules, now)
        return created

    async def _create(self, session: AsyncSession, ids: list[int], rules: dict[int, CadenceRule], now: datetime) -> int:
        people = await load_people(session, ids, working_days=self.settings.working_days, since=now.date())
        rows = []
        for person in people.values():
            for cadence_id, rule in rules.items():
                period, at = first_schedule(rule, person, now)
                rows.append({"person_id": person.id, "cadence_id": cadence_id, "period": period, "next_prompt_at": at})
        await rows_.insert_schedules(session, rows)
        return len(rows)

    async def tick(self, now: datetime) -> PlanResult:
        """Plan newcomers, queue reminders and close ended periods, then prompt everyone due.

        Reminders come first so that a long, rate-limited fan-out never delays them.
        """
        started = time.monotonic()
        result = PlanResult(scheduled=await self.plan(now))
        rules = await self.rules_by_id()
        result.add(await advance_checkins(self.db, now=now, rules=rules, settings=self.settings))
        sending: asyncio.Task | None = None  # the last batch's sends, while the next one is planned
        try:
            while True:
                batch, handed_over, lease_until = await self._prompt_due_batch(now, started)
                result.add(batch)
                previous, sending = sending, None
                if previous is not None:
                    # This batch was planned while the previous one was sent; its sends start
                    # once the previous batch's results are written, so a process killed
                    # mid fan-out leaves at most one batch of sends whose outcome is unknown.
                    await previous
                if handed_over:
                    sending = asyncio.create_task(self.sender.send_claimed(
                        handed_over, now=now, started=started, lease_until=lease_until))
                if batch.claimed < self.settings.batch_size or (self.sender and self.sender.stopping):
                    break  # everything due is planned, or shutting down: no new batch
            if sending is not None:
                sending, last = None, sending
                await last
        except asyncio.CancelledError:
            if sending is not None:  # shutting down: the sends stop too (what they sent is recorded)
                sending.cancel()
            raise
        finally:
            if sending is not None:  # planning failed: the batch being sent still finishes
                outcome = (await asyncio.gather(sending, return_exceptions=True))[0]
                if isinstance(outcome, Exception):
                    log.error("sending a batch of prompts failed", exc_info=outcome)
        return result

    async def _prompt_due_batch(
        self, now: datetime, started: float
    ) -> tuple["_BatchResult", list[OutboundMessage], datetime | None]:
        """Plan and write one batch; returns it with the prompts handed over to be sent."""
        result = _BatchResult()
        rules = await self.rules_by_id()
        lease_until = self.sender.lease_until(now, started) if self.sender else None
        async with self.db.transaction() as session:
            due = await rows_.claim_due_schedules(session, now, self.settings.batch_size)
            result.claimed = len(due)
            if not due:
                return result, [], lease_until
            # The key results are read on a session of their own (an AsyncSession serves one
            # statement at a time), so SQLite reads them while this transaction reads the people,
            # decides and writes. Started first: in a process's first tick with prompts that
            # session's connection is still being opened meanwhile.
            key_results = asyncio.create_task(self._key_results({row[1] for row in due}))
            try:
                people = await load_people(
                    session, (row[1] for row in due), working_days=self.settings.working_days,
                    since=now.date() - timedelta(days=1),
                )
                handed_over = await self._decide_and_write(
                    session, due, people, rules, now, result, lease_until, key_results)
            finally:
                if not key_results.done():  # the batch failed: the read stops with it
                    key_results.cancel()
                await asyncio.gather(key_results, return_exceptions=True)
        return result, handed_over, lease_until

    async def _key_results(self, person_ids: set[int]) -> dict:
        async with self.db.session() as session:
            return await load_key_results(session, person_ids)

    async def _decide_and_write(
        self, session: AsyncSession, due: list, people: dict, rules: dict[int, CadenceRule],
        now: datetime, result: "_BatchResult", lease_until: datetime | None, key_results: asyncio.Task,
    ) -> list[OutboundMessage]:
        plan = _BatchPlan()
        outcomes: dict[tuple, _Outcome] = {}  # people alike in zone and calendar share one
        for schedule_id, person_id, cadence_id, period in due:
            person = people.get(person_id)
            rule = rules.get(cadence_id)
            if rule is None or person is None:
                plan.gone.append(schedule_id)  # cadence removed from app.yaml, or person deleted
                continue
            key = (cadence_id, period, person.timezone, person.calendar, person.can_be_prompted)
            outcome = outcomes.get(key)
            if outcome is None:
                outcome = outcomes[key] = decide(period, rule, person, now, self.settings)
            plan.add(schedule_id, person_id, cadence_id, outcome)
        return await plan.write(session, now, rules, people, result, lease_until=lease_until,
                                key_results=key_results)


@dataclass
class _BatchResult(PlanResult):
    claimed: int = 0


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a due schedule turns into; the same for everyone alike in zone and calendar."""

    missed: tuple[str, ...] = ()  # ended periods, recorded quietly
    skipped: str | None = None  # a period whose every day is off
    prompt: tuple[str, datetime, datetime] | None = None  # period, next action, period end
    next: tuple[str, datetime] | None = None  # the schedule's next period and prompt time


def decide(period: str, rule: CadenceRule, person: PersonFacts, now: datetime, settings: PlannerSettings) -> _Outcome:
    """The outcome of a schedule due at `now` for `period` (pure; reads the person's zone and calendar)."""
    current = current_period_for(rule, now, person.timezone)
    if not person.can_be_prompted:
        return _Outcome(next=upcoming(rule, next_period(current), person))
    missed = []
    for _ in range(MAX_MISSED_PERIODS):
        if period_first_day(period) >= period_first_day(current):
            break
        missed.append(period)
        period = next_period(period)
    else:
        period = current
    at = prompt_at(rule, period, tz=person.timezone, calendar=person.calendar)
    if at is not None and at > now:
        return _Outcome(missed=tuple(missed), next=(period, at))  # moved later since planned (e.g. new leave)
    if at is None:
        return _Outcome(missed=tuple(missed), skipped=period, next=upcoming(rule, next_period(period), person))
    ends = period_bounds(period, person.timezone)[1]
    reminder = None
    if settings.reminders.max > 0:
        reminder = cm.reminder_time(person, now + timedelta(hours=settings.reminders.after_hours), ends)
    return _Outcome(
        missed=tuple(missed), prompt=(period, reminder or ends, ends), next=upcoming(rule, next_period(period), person)
    )


@dataclass
class _BatchPlan:
    """What one batch of due schedules turns into, written with a handful of statements."""

    gone: list[int] = field(default_factory=list)
    schedules: list[tuple[int, _Outcome]] = field(default_factory=list)  # schedule id, its outcome
    quiet_checkins: list[dict] = field(default_factory=list)  # missed / skipped, no message
    prompts: list[tuple[int, int, tuple]] = field(default_factory=list)  # person id, cadence id, outcome.prompt

    def add(self, schedule_id: int, person_id: int, cadence_id: int, outcome: _Outcome) -> None:
        for period in outcome.missed:
            self.quiet_checkins.append(cm.checkin_row(
                person_id=person_id, cadence_id=cadence_id, period=period, status=CheckInStatus.missed))
        if outcome.skipped is not None:
            self.quiet_checkins.append(cm.checkin_row(
                person_id=person_id, cadence_id=cadence_id, period=outcome.skipped, status=CheckInStatus.skipped))
        if outcome.prompt is not None:
            self.prompts.append((person_id, cadence_id, outcome.prompt))
        self.schedules.append((schedule_id, outcome))

    async def write(
        self, session: AsyncSession, now: datetime, rules, people, result: PlanResult, *,
        lease_until: datetime | None, key_results: asyncio.Task,
    ) -> list[OutboundMessage]:
        """Write the batch; with `lease_until`, the prompts are written claimed and returned.

        `key_results`: the task reading the batch's people's key results by owner
        (cadences.people), awaited once the check-ins are written.
        """
        await rows_.delete_schedules(session, self.gone)
        await cm.insert_checkins(session, self.quiet_checkins)
        result.missed += sum(1 for row in self.quiet_checkins if row["status"] == CheckInStatus.missed)
        result.skipped += sum(1 for row in self.quiet_checkins if row["status"] == CheckInStatus.skipped)
        await rows_.move_schedules(session, [(schedule_id, *outcome.next) for schedule_id, outcome in self.schedules])
        created = await cm.insert_prompted(session, self.prompts, now)
        if len(created) < len(self.prompts):
            new = {(person_id, cadence_id, period) for _, person_id, cadence_id, period in created}
            existing = [
                cm.checkin_row(person_id=person_id, cadence_id=cadence_id, period=period, status=CheckInStatus.prompted,
                               now=now, next_action_at=next_action_at, period_ends_at=ends)
                for person_id, cadence_id, (period, next_action_at, ends) in self.prompts
                if (person_id, cadence_id, period) not in new
            ]
            promoted = await cm.promote_pending(session, existing)
            result.already_answered += len(existing) - len(promoted)
            created += promoted
        result.prompted += len(created)
        return await cm.enqueue_prompts(
            session, created, people=people, rules=rules, key_results=await key_results, now=now,
            lease_until=lease_until)


async def _changed_cadences(session: AsyncSession, rules: tuple[CadenceRule, ...]) -> tuple[list[int], bool]:
    """Ids of cadences whose rule changed in app.yaml, and whether any rule is new."""
    configured = {rule.name: (rule.every, rule.on, rule.at) for rule in rules}
    rows = await rows_.cadences(session)
    changed = [row.id for row in rows if row.name in configured and configured[row.name] != (row.every, row.on, row.at)]
    return changed, bool(set(configured) - {row.name for row in rows})
