"""`checkin`: open the check-in form for the current period, and record what comes back."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checkin_form import MAX_OPEN_BLOCKERS, CheckInAnswers, CheckInForm, KRField, OpenBlocker, validate
from bot.handlers.context import Context
from bot.handlers.help import answer_unknown
from bot.handlers.views import key_result_view, person_view, team_has_channel, win_view
from bot.platform import ButtonClicked, FormRejected, FormSubmitted, Intent, Reply, ShowForm
from cadences.checkin_messages import prompt_key, reminder_key
from cadences.outbox import delivery_row, enqueue_rows
from cadences.periods import current_period, period_bounds, period_first_day, period_label
from cadences.wins import after_checkin, after_checkin_writes
from cadences.registry import sync_cadences
from cadences.settings import CadenceRule
from storage.batch import Batch, WriteConnection
from storage.models import Cadence, CheckIn, CheckInStatus, KeyResult, Person
from storage.db import Database
from storage.driver import Driver
from storage.repositories.checkins import (
    AnswerTarget,
    CheckInRow,
    RecordedCheckIn,
    checkin_for_answers,
    checkin_for_answers_on,
    checkin_with_cadence,
    get_or_create_checkin,
    record_checkin,
    record_checkin_on,
    sent_prompt_refs,
)
from storage.repositories.checkin_answers import age_in_days, open_blockers_before, submitted_answers
from storage.repositories.inbound import record_once_in
from storage.repositories.outbox_rows import insert_deliveries_on
from storage.repositories.okrs import key_results_of
from storage.repositories.values import current_sources

EDIT_WORDS = ("update", "edit")  # `checkin` alone opens an answered check-in for editing too


def primary_rule(rules: tuple[CadenceRule, ...], name: str | None = None) -> CadenceRule | None:
    """The cadence a bare `checkin` is for: the first weekly one, else the first of all."""
    if name:
        return next((rule for rule in rules if rule.name == name.lower()), None)
    return next((rule for rule in rules if rule.every == "week"), rules[0] if rules else None)


async def owned_key_results(session: AsyncSession, person: Person, checkin: CheckIn) -> list[KeyResult]:
    """The key results the check-in asks about: the person's, of the OKR period current then."""
    owned = await key_results_of(session, person.id, on=period_first_day(checkin.period))  # type: ignore[arg-type]
    return [item.key_result for item in owned]


def _form(person: Person, checkin: CheckIn, cadence: Cadence, key_results: list[KeyResult],
          prefill: dict[str, str] | None = None, open_blockers: tuple[OpenBlocker, ...] = (),
          sources: dict[int, str] | None = None) -> CheckInForm:
    return CheckInForm(
        checkin_id=checkin.id,  # type: ignore[arg-type]
        person_name=person.name,
        cadence=cadence.name,
        kind=cadence.every,
        period=checkin.period,
        period_label=period_label(checkin.period),
        key_results=tuple(
            KRField(
                id=kr.id,  # type: ignore[arg-type]
                key=kr.key,
                title=kr.title,
                unit=kr.unit,
                baseline=kr.baseline,
                target=kr.target,
                current=kr.current,
                confidence=kr.confidence,
                current_source=(sources or {}).get(kr.id),  # type: ignore[arg-type]
            )
            for kr in key_results
        ),
        questions=tuple(cadence.questions or ()),
        prefill=prefill or {},
        open_blockers=open_blockers,
    )


async def build_form(session: AsyncSession, person: Person, checkin: CheckIn, cadence: Cadence,
                     now: datetime) -> CheckInForm:
    """The form: each key result's last value and confidence as the starting answer (a value
    another tool sent since is the last value, with its source), earlier blockers still open
    listed as "still blocking / resolved", and for a check-in answered already the submitted
    answers (editing)."""
    prefill = None
    if checkin.status == CheckInStatus.answered:
        prefill = await submitted_answers(session, checkin, cadence.questions or ())
    earlier = await open_blockers_before(session, checkin, limit=MAX_OPEN_BLOCKERS)
    open_blockers = tuple(OpenBlocker(b.id, b.text, age_in_days(b.created_at, now)) for b in earlier)  # type: ignore[arg-type]
    key_results = await owned_key_results(session, person, checkin)
    return _form(person, checkin, cadence, key_results, prefill, open_blockers, await current_sources(session, key_results))


async def form_of_checkin(db: Database, checkin_id: int, now: datetime) -> CheckInForm | None:
    """The form of check-in `checkin_id` exactly as `checkin` opens it (`build_form`), for a
    platform whose scheduled prompt is the form itself (Teams' card); None when it is gone."""
    async with db.session() as session:
        found = await checkin_with_cadence(session, checkin_id)
        person = await session.get(Person, found[0].person_id) if found is not None else None
        if found is None or person is None:
            return None
        return await build_form(session, person, found[0], found[1], now)


async def open_checkin(ctx: Context, args: str) -> list[Intent]:
    """`checkin [CADENCE] [update]` → the form for this period (created if need be)."""
    words = args.lower().split()
    names = [word for word in words if word not in EDIT_WORDS]
    rule = primary_rule(ctx.config.cadences, names[0] if names else None)
    if rule is None:
        return await answer_unknown(ctx, f"checkin {args}")
    period = current_period(rule.every, ctx.now, ctx.timezone)
    async with ctx.db.transaction() as session:
        cadence = (await sync_cadences(session, ctx.config.cadences))[rule.name]
        checkin = await get_or_create_checkin(
            session, person=ctx.person, cadence=cadence, period=period, period_ends_at=period_bounds(period, ctx.timezone)[1]
        )
        form = await build_form(session, ctx.person, checkin, cadence, ctx.now)
    return [ShowForm(form)]


def _checkin_id(raw_id: Any) -> int | None:
    try:
        return int(str(raw_id))
    except ValueError:
        return None


async def _own_checkin(session: AsyncSession, ctx: Context, raw_id: Any) -> tuple[CheckIn, Cadence] | None:
    checkin_id = _checkin_id(raw_id)
    found = await checkin_with_cadence(session, checkin_id) if checkin_id is not None else None
    return found if found is not None and found[0].person_id == ctx.person.id else None


async def start_now(ctx: Context, event: ButtonClicked) -> list[Intent]:
    return await open_checkin(ctx, "")


async def start_from_button(ctx: Context, event: ButtonClicked) -> list[Intent]:
    """`checkin.start` on a prompt, `checkin.edit` on the "recorded" message: open exactly that
    check-in (with its answers when it was answered), until its period ends."""
    async with ctx.db.session() as session:
        found = await _own_checkin(session, ctx, event.value)
        if found is None:
            return [Reply("not_allowed", {"asked_about": None})]
        checkin, cadence = found
        if checkin.period_ends_at is not None and checkin.period_ends_at <= ctx.now:
            return [Reply("checkin_closed", {"person": person_view(ctx.person), "period_label": period_label(checkin.period)})]
        return [ShowForm(await build_form(session, ctx.person, checkin, cadence, ctx.now))]


async def submit(ctx: Context, event: FormSubmitted) -> list[Intent]:
    """Validate; on success store everything in one transaction and say what was recorded.
    A delivery recorded before (`event.once_key`) gets no intents and stores nothing.

    Reading the form back (one statement), validating and storing share that one transaction,
    so an invalid submission writes nothing and a valid one costs a constant handful of
    statements, the platform's retry key (`once_key`) included, sent to the database together.
    """
    try:
        return await _submit_once(ctx, event)
    except _StoredBefore:
        return []  # a platform retry of a submission stored already: nothing again, no second confirmation
    except IntegrityError:
        # Two copies of one submission raced; the other one committed first. Storing again
        # finds its rows and adds nothing.
        try:
            return await _submit_once(ctx, event)
        except _StoredBefore:
            return []


class _StoredBefore(Exception):
    """Raised inside the transaction to roll back what a resent submission wrote."""


class _ManagerLoopWrites(Exception):
    """Raised on the writer's thread to roll back: the manager loop has something to store."""


async def _submit_once(ctx: Context, event: FormSubmitted) -> list[Intent]:
    """On a SQLite file the whole transaction runs on the writer's thread with the synchronous
    driver, in one hand-over (docs/architecture.md, "Decisions"). When the manager loop has
    something to store (a win shared, a target met: `cadences.wins.after_checkin`, which works
    on a session), that transaction is rolled back and the submission stored through the
    session instead, as it always is on PostgreSQL."""
    if ctx.db.writes_on_thread:
        try:
            return await ctx.db.write_on_thread(partial(_store_on_thread, ctx, event))
        except _ManagerLoopWrites:
            pass
    return await _store_in_session(ctx, event)


def _checked(ctx: Context, event: FormSubmitted, target: AnswerTarget | None) -> tuple[CheckInAnswers | None, list[Intent]]:
    """The answers when the check-in is the sender's and the form is valid; else what to say."""
    if target is None or target.checkin.person_id != ctx.person.id:
        return None, [Reply("not_allowed", {"asked_about": None})]
    form = _form(ctx.person, target.checkin, target.cadence, target.key_results)  # type: ignore[arg-type]
    answers, errors = validate(form, event.values)
    if answers is None:
        return None, [FormRejected(form, errors, dict(event.values))]
    return answers, []


def _store_on_thread(ctx: Context, event: FormSubmitted, connection: WriteConnection) -> list[Intent]:
    """`_store_in_session`'s work on the writer's thread (`Database.write_on_thread`): the same
    statements, in the same order, in one transaction; nothing here touches the event loop."""
    checkin_id = _checkin_id(event.state.get("checkin_id", ""))
    target = checkin_for_answers_on(connection, checkin_id, on=period_first_day) if checkin_id is not None else None
    answers, said = _checked(ctx, event, target)
    if answers is None or target is None:
        return said
    checkin = target.checkin
    batch = Batch()
    once = record_once_in(batch, source=event.sender.platform, key=event.once_key, now=ctx.now) if event.once_key else None
    prompts = sent_prompt_refs(batch, _prompt_keys(ctx, checkin))
    recorded = record_checkin_on(connection, checkin, answers, ctx.now,
                                 key_results={kr.id: kr for kr in target.key_results}, batch=batch)
    if once is not None and not batch.rows(once):
        raise _StoredBefore  # rolls back what this copy wrote
    if after_checkin_writes(recorded):
        raise _ManagerLoopWrites  # rolls back; stored through the session instead
    insert_deliveries_on(connection, _done_notes(ctx, checkin, batch.rows(prompts)))
    # No win shared (else the manager loop has work): nothing to say about a team channel.
    return [Reply("checkin_recorded", {**_recorded_context(ctx, recorded, answers), "team_channel": True})]


async def _store_in_session(ctx: Context, event: FormSubmitted) -> list[Intent]:
    checkin_id = _checkin_id(event.state.get("checkin_id", ""))
    async with ctx.db.transaction() as session:
        target = await checkin_for_answers(session, checkin_id, on=period_first_day) if checkin_id is not None else None
        answers, said = _checked(ctx, event, target)
        if answers is None or target is None:
            return said
        checkin = target.checkin
        # The retry key, the prompts to replace and the answers go to the database together.
        batch = (await Driver.of(session)).batch()
        once = record_once_in(batch, source=event.sender.platform, key=event.once_key, now=ctx.now) if event.once_key else None
        prompts = sent_prompt_refs(batch, _prompt_keys(ctx, checkin))
        recorded = await record_checkin(
            session, checkin, answers, ctx.now, locked=True, key_results={kr.id: kr for kr in target.key_results},  # type: ignore[misc]
            batch=batch,
        )
        if once is not None and not batch.rows(once):
            raise _StoredBefore  # rolls back what this copy wrote
        await after_checkin(session, recorded, ctx.person, now=ctx.now)  # manager loop: shared wins, targets met
        await _replace_prompts(ctx, session, checkin, batch.rows(prompts))
        shared = any(w.share for w in [*recorded.edited_wins, *recorded.new_wins])
        team_channel = await team_has_channel(session, ctx.person) if shared else True
    return [Reply("checkin_recorded", {**_recorded_context(ctx, recorded, answers), "team_channel": team_channel})]


def _prompt_keys(ctx: Context, checkin: CheckInRow) -> list[str]:
    """The outbox keys of the prompt and reminders this check-in may have had."""
    reminders = max(checkin.reminders_sent or 0, ctx.config.reminders.max)
    keys = [prompt_key(checkin.person_id, checkin.cadence_id, checkin.period)]
    return keys + [reminder_key(checkin.person_id, checkin.cadence_id, checkin.period, n) for n in range(1, reminders + 1)]


async def _replace_prompts(ctx: Context, session: AsyncSession, checkin: CheckInRow, prompts: list[tuple]) -> None:
    """Turn the prompt and reminders this check-in answered into a `checkin_done` note."""
    if prompts:
        await enqueue_rows(session, _done_notes(ctx, checkin, prompts))


def _done_notes(ctx: Context, checkin: CheckInRow, prompts: list[tuple]) -> list[dict[str, Any]]:
    """The outbox rows that turn these prompts (id, platform, address, message ref) into notes."""
    if not prompts:
        return []
    done_context = {"checkin_id": checkin.id, "person": person_view(ctx.person), "period_label": period_label(checkin.period)}
    return [
        delivery_row(
            key=f"checkin_done:{checkin.id}:{prompt_id}",
            template="checkin_done",
            context=done_context,
            platform=platform,
            address=address,
            person_id=checkin.person_id,
            now=ctx.now,
            replace_ref=message_ref,
        )
        for prompt_id, platform, address, message_ref in prompts
    ]


def _recorded_context(ctx: Context, recorded: RecordedCheckIn, answers: CheckInAnswers) -> dict[str, Any]:
    checkin = recorded.checkin
    return {
        "checkin_id": checkin.id,
        "person": person_view(ctx.person),
        "period": checkin.period,
        "period_label": period_label(checkin.period),
        "updated": not recorded.first_time,
        "key_results": [key_result_view(kr) for kr in recorded.key_results],
        "blockers": [b.text for b in recorded.new_blockers],
        "wins": [win_view(w) for w in [*recorded.edited_wins, *recorded.new_wins]],
        "reflections": len(answers.reflections),
    }
