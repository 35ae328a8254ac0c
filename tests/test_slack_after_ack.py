"""What happens after Slack's ack: answers to commands and the check-in confirmation go out
after the ack without holding it up, nothing started is lost when the bot shuts down, and a
submission that could not be stored says so in the modal instead of closing it."""

from __future__ import annotations

import asyncio
import inspect
import logging

from sqlalchemy import text
from sqlmodel import select

from bot.slack import app as slack_app
from storage.models import Blocker, KeyResult, KRUpdate, ProcessedEvent, Win
from tests.slack_harness import SlackRig, inputs_of, rig  # noqa: F401
from tests.test_slack_journey import good_answers


async def open_modal(rig: SlackRig, view_id: str) -> dict:
    await rig.command("UALICE", "/checkin")
    [opened] = await rig.fake.wait_for("views.open")
    return {**opened.args["view"], "id": view_id, "hash": "h"}


async def test_a_command_is_acknowledged_before_its_answer_is_worked_out(rig: SlackRig, monkeypatch) -> None:
    gate = asyncio.Event()
    dispatch = rig.bot.router.dispatch

    async def slow_dispatch(event):
        await gate.wait()
        return await dispatch(event)

    monkeypatch.setattr(rig.bot.router, "dispatch", slow_dispatch)
    response = await asyncio.wait_for(rig.command("UALICE", "/okrs"), 2)
    assert response.status == 200 and await response.text() == ""
    assert not rig.fake.responses and rig.bot.pending == 1  # the answer is still being worked out
    gate.set()
    [(_, posted)] = await rig.fake.wait_for_response()
    assert "Median days to first value" in str(posted["blocks"])


async def test_a_command_answered_while_the_bot_shuts_down_still_gets_its_answer(rig: SlackRig, monkeypatch) -> None:
    dispatch = rig.bot.router.dispatch

    async def slow_dispatch(event):
        await asyncio.sleep(0.3)
        return await dispatch(event)

    monkeypatch.setattr(rig.bot.router, "dispatch", slow_dispatch)
    assert (await rig.command("UALICE", "/okrs")).status == 200
    await rig.bot.close()  # shutdown right after the ack
    [(_, posted)] = rig.fake.responses
    assert "Median days to first value" in str(posted["blocks"])


async def test_work_after_the_ack_that_outlives_the_shutdown_limit_is_cancelled(rig: SlackRig, monkeypatch) -> None:
    started = asyncio.Event()

    async def stuck_dispatch(event):
        started.set()
        await asyncio.Event().wait()  # never answers

    monkeypatch.setattr(rig.bot.router, "dispatch", stuck_dispatch)
    assert (await rig.command("UALICE", "/okrs")).status == 200
    await started.wait()
    await asyncio.wait_for(rig.bot.close(wait=0.1), 2)
    assert rig.bot.pending == 0 and not rig.fake.responses


async def test_the_confirmation_dm_does_not_hold_up_closing_the_modal(rig: SlackRig, monkeypatch) -> None:
    view = await open_modal(rig, "V0AFTER1")
    gate = asyncio.Event()
    show = rig.bot.intents.show

    async def slow_show(intents, where):
        await gate.wait()
        await show(intents, where)

    monkeypatch.setattr(rig.bot.intents, "show", slow_show)
    response = await asyncio.wait_for(rig.submit("UALICE", view, good_answers(rig.ids)), 2)
    assert response.status == 200 and await response.text() == ""  # closed: stored and committed
    async with rig.db.session() as session:
        assert len((await session.exec(select(KRUpdate))).all()) == 2
    assert not rig.fake.calls_to("chat.postMessage")
    gate.set()
    await rig.bot.settle()
    [confirmation] = rig.fake.calls_to("chat.postMessage")
    assert "Recorded your check-in" in confirmation.args["text"]


async def fail_blocker_inserts(rig: SlackRig) -> None:
    """The database refuses the blockers (as a full disk would), a statement in the middle of
    the submission's batch: the retry key and the answers before it have been written."""
    async with rig.db.transaction() as session:
        await session.execute(text("CREATE TRIGGER refuse_blockers BEFORE INSERT ON blocker "
                                   "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))


async def allow_blocker_inserts(rig: SlackRig) -> None:
    async with rig.db.transaction() as session:
        await session.execute(text("DROP TRIGGER refuse_blockers"))


async def test_a_submission_that_cannot_be_stored_keeps_the_modal_open_and_can_be_sent_again(rig: SlackRig) -> None:
    view = await open_modal(rig, "V0FAIL1")
    await fail_blocker_inserts(rig)
    response = await rig.submit("UALICE", view, good_answers(rig.ids))
    body = await response.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {inputs_of(view)[0]: slack_app.FAILED_TEXT}
    async with rig.db.session() as session:  # nothing stored, not even the delivery's key
        assert (await session.exec(select(KRUpdate))).all() == []
        assert (await session.exec(select(Blocker))).all() == []
        assert (await session.exec(select(Win))).all() == []
        assert (await session.exec(select(ProcessedEvent))).all() == []
        assert {kr.current for kr in (await session.exec(select(KeyResult))).all()} & {21, 48} == set()

    await allow_blocker_inserts(rig)
    response = await rig.submit("UALICE", view, good_answers(rig.ids))  # the same modal, Submit pressed again
    assert response.status == 200 and await response.text() == ""
    await rig.bot.settle()
    async with rig.db.session() as session:
        assert len((await session.exec(select(KRUpdate))).all()) == 2
        assert len((await session.exec(select(Win))).all()) == 1
        assert len((await session.exec(select(ProcessedEvent))).all()) == 1
    assert len(rig.fake.calls_to("chat.postMessage")) == 1


async def test_a_failed_submission_does_not_put_what_the_person_typed_in_the_logs(rig: SlackRig, caplog) -> None:
    view = await open_modal(rig, "V0FAILLOG")
    await fail_blocker_inserts(rig)
    with caplog.at_level(logging.INFO):  # what `outcomebot serve` logs
        response = await rig.submit("UALICE", view, good_answers(rig.ids))
    assert (await response.json())["response_action"] == "errors"
    [failure] = [r for r in caplog.records if "submission failed" in r.getMessage()]
    logged = logging.Formatter().format(failure)  # the message and its traceback, as a log file gets them
    assert "IntegrityError" in logged or "OperationalError" in logged
    for typed_text in ("Waiting for SSO", "two accounts live early", "Acme went live"):
        assert typed_text not in logged
    for record in caplog.records:
        assert "Waiting for SSO" not in logging.Formatter().format(record)


async def test_a_resent_submission_is_recorded_with_the_check_in_and_confirmed_once(rig: SlackRig) -> None:
    view = await open_modal(rig, "V0RESENT")
    for _ in range(3):
        response = await rig.submit("UALICE", view, good_answers(rig.ids))
        assert response.status == 200 and await response.text() == ""
    await rig.bot.settle()
    async with rig.db.session() as session:
        [key] = (await session.exec(select(ProcessedEvent))).all()
        assert key.source == "slack" and key.event_key.startswith("slack:view:V0RESENT:")
        assert len((await session.exec(select(Win))).all()) == 1
    assert len(rig.fake.calls_to("chat.postMessage")) == 1


async def test_the_check_in_modal_opens_promptly_while_slack_is_slow_with_other_answers(rig: SlackRig) -> None:
    """A modal can only be opened within 3 s of the click or command (its trigger_id), so
    slow after-ack work (here App Home publishes Slack takes its time with) must not hold it up."""
    release = rig.fake.hold("views.publish")
    try:
        for n in range(slack_app.AFTER_ACK_CONCURRENCY + 2):  # more slow work than there are slots
            response = await rig.event({"type": "app_home_opened", "user": "UALICE", "channel": "DALICE", "tab": "home"},
                                       event_id=f"EvHOME{n}")
            assert response.status == 200
        await rig.fake.wait_for("views.publish", slack_app.AFTER_ACK_CONCURRENCY)
        assert (await rig.command("UALICE", "/checkin")).status == 200
        [opened] = await rig.fake.wait_for("views.open", timeout=2)  # well inside the trigger window
        assert opened.args["trigger_id"] and opened.args["view"]["type"] == "modal"
        assert len(rig.fake.calls_to("views.publish")) < slack_app.AFTER_ACK_CONCURRENCY + 2  # still held up
    finally:
        release.set()
    await rig.bot.settle()
    assert len(rig.fake.calls_to("views.publish")) == slack_app.AFTER_ACK_CONCURRENCY + 2


async def test_work_cancelled_at_shutdown_before_its_turn_leaves_no_unawaited_coroutine(rig: SlackRig) -> None:
    stuck = asyncio.Event()

    async def stuck_work() -> None:
        await stuck.wait()

    async def never_started() -> None:
        raise AssertionError("ran after being cancelled")

    for _ in range(slack_app.AFTER_ACK_CONCURRENCY):  # every slot taken
        rig.bot.after_ack(stuck_work(), "stuck")
    await asyncio.sleep(0)  # the stuck work takes the slots
    waiting = never_started()
    rig.bot.after_ack(waiting, "waiting for a slot")
    await asyncio.sleep(0)
    not_yet_running = never_started()
    rig.bot.after_ack(not_yet_running, "not started at all")  # cancelled before its task first runs
    await rig.bot.close(wait=0)
    assert rig.bot.pending == 0
    assert inspect.getcoroutinestate(waiting) == inspect.CORO_CLOSED
    assert inspect.getcoroutinestate(not_yet_running) == inspect.CORO_CLOSED
