"""When each manager's digest is due, and queuing it in the outbox.

Called from every scheduler tick (`queue_due_digests`). A manager's digest is due from
`digest.weekday` at `digest.at` in the manager's own timezone (or their entry in
`digest.overrides`, by email) until the end of that ISO week, so after downtime it still goes
out once, late, but a missed week is never sent the next week. The outbox key
`digest:{manager id}:{period}` makes it once per week; an empty digest is recorded as a
cancelled delivery with the same key so it is not rebuilt on every tick.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.calendar import WorkCalendar
from storage.repositories.digest_data import (
    BlockerRow,
    Org,
    OrgPerson,
    existing_delivery_keys,
    load_key_results_by_id,
    load_old_open_blockers,
    load_org,
)
from cadences.digests import ROLLUP_AGE, DueDigest, build_digests
from cadences.outcome_key_results import OutcomeKeyResults
from cadences.outbox import delivery_row, enqueue_rows, person_target
from cadences.periods import period_of
from cadences.settings import WEEKDAYS, DigestSchedule, NudgePolicy, parse_hhmm
from storage.db import Database
from storage.models import DeliveryStatus

BATCH_SIZE = 250
DEFAULT_WORKING_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def digest_key(manager_id: int, period: str) -> str:
    return f"digest:{manager_id}:{period}"


def digest_time(manager: OrgPerson, schedule: DigestSchedule, now: datetime,
                working_days: Sequence[str] = DEFAULT_WORKING_DAYS) -> tuple[str, datetime]:
    """(ISO week, UTC moment) of the manager's digest in the week `now` falls in, locally.

    Like prompts, a digest day that is not one of the manager's working days (a weekend, a
    public holiday of their country) moves to the next working day of that week, else back
    to the last one before it; a week with none keeps the configured day."""
    override = {email.lower(): o for email, o in schedule.overrides.items()}.get(manager.email.lower())
    weekday = (override.weekday if override and override.weekday else None) or schedule.weekday
    at = parse_hhmm((override.at if override and override.at else None) or schedule.at)
    zone = ZoneInfo(manager.timezone)
    today = now.astimezone(zone).date()
    day = today - timedelta(days=today.weekday()) + timedelta(days=WEEKDAYS.index(weekday))
    calendar = _calendar(tuple(working_days), manager.country)
    day = working_day_in_week(day, calendar) or day
    local = datetime.combine(day, at, zone)
    return period_of("week", day), local.astimezone(timezone.utc)


@lru_cache(maxsize=256)
def _calendar(working_days: tuple[str, ...], country: str | None) -> WorkCalendar:
    return WorkCalendar.build(working_days=working_days, country=country)


def working_day_in_week(day: date, calendar: WorkCalendar) -> date | None:
    """`day`, or the next working day in its ISO week, else the last one before it."""
    monday = day - timedelta(days=day.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    later = [d for d in week if d >= day and calendar.is_working_day(d)]
    earlier = [d for d in week if d < day and calendar.is_working_day(d)]
    return later[0] if later else (earlier[-1] if earlier else None)


def due_digests(org: Org, schedule: DigestSchedule, now: datetime,
                working_days: Sequence[str] = DEFAULT_WORKING_DAYS) -> list[DueDigest]:
    """Every manager whose digest time this week has passed (sent or not)."""
    due = []
    for manager in org.managers():
        period, at = digest_time(manager, schedule, now, working_days)
        if at <= now:
            due.append(DueDigest(manager, period, at - timedelta(days=7)))
    return due


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


async def _existing_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys, 1000):
        found.update(await existing_delivery_keys(session, chunk))
    return found


async def _old_blockers(session: AsyncSession, org: Org, due: Sequence[DueDigest], now: datetime):
    """Roll-up material, read once per run and only when a manager of managers is due."""
    if not any(org.organisation_below_reports(d.manager.id) for d in due):
        return {}, {}
    rows = await load_old_open_blockers(session, older_than=now - ROLLUP_AGE)
    by_person: dict[int, list[BlockerRow]] = defaultdict(list)
    for row in rows:
        by_person[row.person_id].append(row)
    kr_ids = sorted({r.key_result_id for r in rows if r.key_result_id is not None})
    krs = await load_key_results_by_id(session, kr_ids) if kr_ids else {}
    return dict(by_person), krs


async def queue_due_digests(
    db: Database,
    *,
    schedule: DigestSchedule,
    nudges: NudgePolicy,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    working_days: Sequence[str] = DEFAULT_WORKING_DAYS,
) -> int:
    """Build and queue every digest that is due and not yet queued; returns how many were queued."""
    async with db.session() as session:
        org = await load_org(session)
        due = due_digests(org, schedule, now, working_days)
        done = await _existing_keys(session, [digest_key(d.manager.id, d.period) for d in due])
        due = [d for d in due if digest_key(d.manager.id, d.period) not in done]
        if not due:
            return 0
        old_blockers, old_krs = await _old_blockers(session, org, due, now)

    queued = 0
    outcomes = OutcomeKeyResults()  # read once per run, shared by the batches
    for batch in _chunks(due, batch_size):
        async with db.transaction() as session:
            built = await build_digests(
                session, batch, org=org, old_blockers=old_blockers, old_blocker_key_results=old_krs,
                budget_per_week=nudges.budget_per_week, cooldown_days=nudges.cooldown_days, now=now, outcomes=outcomes,
            )
            rows = []
            for digest in built:
                platform, address = person_target(digest.manager)
                rows.append(delivery_row(key=digest_key(digest.manager.id, digest.period), template="digest",
                                         context=digest.context, platform=platform, address=address,
                                         person_id=digest.manager.id, now=now))
            sent = {d.manager.id for d in built}
            for item in batch:
                if item.manager.id not in sent:
                    row = delivery_row(key=digest_key(item.manager.id, item.period), template="digest",
                                       context={}, platform="console", address=item.manager.email,
                                       person_id=item.manager.id, now=now)
                    rows.append({**row, "status": DeliveryStatus.cancelled.value, "last_error": "empty digest: nothing to report"})
            await enqueue_rows(session, rows)
            queued += len(built)
    return queued


class DigestPlanner:
    """What the scheduler tick calls: `await DigestPlanner(db, config.digest, config.nudges).tick(now)`."""

    def __init__(self, db: Database, schedule: DigestSchedule, nudges: NudgePolicy,
                 working_days: Sequence[str] = DEFAULT_WORKING_DAYS) -> None:
        self.db, self.schedule, self.nudges, self.working_days = db, schedule, nudges, tuple(working_days)

    async def tick(self, now: datetime) -> int:
        return await queue_due_digests(self.db, schedule=self.schedule, nudges=self.nudges, now=now,
                                       working_days=self.working_days)
