"""`/okrs @email` cannot be used to find out who exists: someone unknown and someone you may
not see get the same answer, through the signed Slack endpoint."""

from __future__ import annotations

from tests.orgchart import MAYA
from tests.slack_harness import SlackRig, rig  # noqa: F401  (fixture)


async def answer(rig: SlackRig, user: str, text: str) -> dict:
    rig.fake.responses.clear()
    response = await rig.command(user, "/okrs", text)
    assert response.status == 200
    [(_key, posted)] = await rig.fake.wait_for_response()
    return posted


async def test_someone_unknown_and_someone_you_may_not_see_are_answered_alike(rig: SlackRig) -> None:
    hidden = await answer(rig, "UALICE", f"@{MAYA}")  # Maya exists; Alice may not see her manager's OKRs
    unknown = await answer(rig, "UALICE", "@zed@x.com")  # nobody by that email
    assert str(hidden).replace(MAYA, "someone") == str(unknown).replace("zed@x.com", "someone")
    assert "Maya" not in str(hidden)
