"""After the prompt: reminders while a check-in is unanswered, `missed` when its period ends.

Each prompted CheckIn carries `next_action_at` (indexed): its next reminder, or the end of its
period. A tick reads only rows whose moment has come, in batches. Reminders follow
`reminders: {after_hours, max}` (a snoozed prompt, `snoozed_until`, comes back once as one
of them, even past the limit), land on a working day at the same local time, and are never
sent after the period ended; an ended period turns the check-in `missed` without a message
(`skipped` when the person was away during it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences import checkin_messages as cm
from cadences.outbox import enqueue_rows
from cadences.people import PersonFacts, load_key_results, load_people
from cadences.periods import period_first_day, period_last_day
from cadences.settings import CadenceRule
from storage.db import Database
from storage.models import CheckInStatus
from storage.repositories.planning import claim_checkins_needing_action, step_checkins

if TYPE_CHECKING:
    from cadences.planner import PlannerSettings, PlanResult

_OPEN = (CheckInStatus.prompted.value, CheckInStatus.reminded.value)


async def advance_checkins(
    db: Database, *, now: datetime, rules: dict[int, CadenceRule], settings: "PlannerSettings"
) -> "PlanResult":
    from cadences.planner import PlanResult

    result = PlanResult()
    while True:
        async with db.transaction() as session:
            claimed = await _advance_batch(session, now=now, rules=rules, settings=settings, result=result)
        if claimed < settings.batch_size:
            return result


async def _advance_batch(
    session: AsyncSession, *, now: datetime, rules: dict[int, CadenceRule], settings: "PlannerSettings",
    result: "PlanResult",
) -> int:
    due = await claim_checkins_needing_action(session, now, settings.batch_size)
    if not due:
        return 0
    people = await load_people(
        session, (row.person_id for row in due), working_days=settings.working_days,
        since=now.date() - timedelta(days=1),
    )
    policy = settings.reminders
    changes: list[tuple] = []
    reminders: list[tuple] = []
    for row in due:
        person, rule = people.get(row.person_id), rules.get(row.cadence_id)
        ends = row.period_ends_at
        if row.status == CheckInStatus.pending.value and ends is not None and now >= ends:
            # Opened with `checkin` but never submitted, and never prompted: the period is over.
            away = person is not None and away_in(person, row.period)
            changes.append(_change(row, (CheckInStatus.skipped if away else CheckInStatus.missed).value,
                                   row.reminders_sent, None))
            result.skipped += away
            result.missed += not away
        elif row.status not in _OPEN or ends is None:
            changes.append(_change(row, row.status, row.reminders_sent, None))
        elif now >= ends:
            if person is not None and away_in(person, row.period):
                changes.append(_change(row, CheckInStatus.skipped.value, row.reminders_sent, None))
                result.skipped += 1
            else:
                changes.append(_change(row, CheckInStatus.missed.value, row.reminders_sent, None))
                result.missed += 1
        elif (row.snoozed_until is not None or row.reminders_sent < policy.max) and person and person.can_be_prompted and rule:
            # A snooze comes back once even past the limit, and counts as one of the reminders.
            n = row.reminders_sent + 1
            later = cm.reminder_time(person, now + timedelta(hours=policy.after_hours), ends) if n < policy.max else None
            changes.append(_change(row, CheckInStatus.reminded.value, n, later or ends))
            reminders.append((row, person, rule, n))
        else:
            changes.append(_change(row, row.status, row.reminders_sent, ends))
    key_results = await load_key_results(session, (row.person_id for row, *_ in reminders))
    await enqueue_rows(session, [
        cm.message_row(
            key=cm.reminder_key(row.person_id, row.cadence_id, row.period, n), template="checkin_reminder",
            person=person, now=now,
            context=cm.checkin_context(
                checkin_id=row.id, person=person, rule=rule, period=row.period, reminder=True,
                key_results=key_results.get(row.person_id, [])),
        )
        for row, person, rule, n in reminders
    ])
    result.reminded += len(reminders)
    await step_checkins(session, changes)
    return len(due)


def away_in(person: PersonFacts, period: str) -> bool:
    """Whether leave still on record covers any of the period's days: it ends `skipped`, not `missed`."""
    first, last = period_first_day(period), period_last_day(period)
    return any(start <= last and first <= end for start, end in person.calendar.leave)


def _change(row, status: str, reminders_sent: int, next_action_at: datetime | None) -> tuple:
    return row.id, status, reminders_sent, next_action_at
