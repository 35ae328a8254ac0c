"""Under overload a check-in submission is answered "busy" inline before Slack's 3-second
deadline, with nothing stored and everything typed kept, instead of an ack that comes too late."""

from __future__ import annotations

from sqlmodel import select

from bot.slack import app as slack_app
from storage.models import KRUpdate
from tests.slack_harness import SlackRig, inputs_of, rig  # noqa: F401
from tests.test_slack_journey import good_answers


async def test_a_submission_that_waits_too_long_is_answered_busy_and_can_be_sent_again(rig: SlackRig, monkeypatch) -> None:
    monkeypatch.setattr(slack_app, "SUBMISSION_WAIT_LIMIT", 0.2)
    await rig.command("UALICE", "/checkin")
    [opened] = await rig.fake.wait_for("views.open")
    view = {**opened.args["view"], "id": "V0BUSY", "hash": "h"}

    queue = rig.bot._submissions
    held = 0
    while not queue.locked():  # every slot taken by submissions still being stored
        await queue.acquire()
        held += 1
    try:
        response = await rig.submit("UALICE", view, good_answers(rig.ids))
    finally:
        for _ in range(held):
            queue.release()
    body = await response.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {inputs_of(view)[0]: slack_app.BUSY_TEXT}
    async with rig.db.session() as session:
        assert (await session.exec(select(KRUpdate))).all() == []

    response = await rig.submit("UALICE", view, good_answers(rig.ids))  # the same modal, submitted again
    assert response.status == 200 and await response.text() == ""
    async with rig.db.session() as session:
        assert len((await session.exec(select(KRUpdate))).all()) == 2
