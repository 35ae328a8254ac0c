"""Signed but malformed Slack payloads are acknowledged with a warning, never a 500."""

from __future__ import annotations

import pytest

from tests import slack_requests as rq
from tests.slack_harness import SlackRig, rig  # noqa: F401


@pytest.mark.parametrize("actions", ["oops", [1, 2], {"a": 1}, None])
async def test_a_signed_block_action_with_malformed_actions_is_acknowledged(rig: SlackRig, actions) -> None:
    payload = rq.block_action("checkin.start", "1", user="UALICE")
    payload["actions"] = actions
    response = await rig.post(*rq.interaction_request(payload))
    assert response.status == 200
    assert not rig.fake.calls_to("views.open")


async def test_the_bot_still_answers_after_a_malformed_payload(rig: SlackRig) -> None:
    payload = rq.block_action("checkin.start", "1", user="UALICE")
    payload["actions"] = "oops"
    await rig.post(*rq.interaction_request(payload))
    response = await rig.command("UALICE", "/okrs")
    assert response.status == 200
    [(_, posted)] = await rig.fake.wait_for_response()
    assert "Median days to first value" in str(posted["blocks"])
