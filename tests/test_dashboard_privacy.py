"""Who sees what about Ben on the dashboard — the same rule as chat (tests/test_privacy_matrix.py).

Ben reports to Maya, who reports to Carla; Chloe is Ben's peer, Omar a manager in another
branch, Zoe an admin. A page someone may not see answers 404, and a blocker's text never
appears on a page a peer can open.
"""

from __future__ import annotations

import pytest

from bot.handlers.access import may_see_person
from bot.web.visibility import visible_to
from tests.dashboard_rig import DashRig, rig  # noqa: F401

VIEWERS = ["Ben", "Chloe", "Omar", "Maya", "Carla", "Zoe"]
SEES_BEN = {"Ben", "Maya", "Carla", "Zoe"}
BEN_SECRET = "Database upgrade slipped again"  # Ben's open blocker on his latency key result
CHLOE_ON_BENS_KR = "Trial demos time out at checkout"  # Chloe's blocker, linked to Ben's key result


@pytest.mark.parametrize("who", VIEWERS)
async def test_bens_key_result_page_opens_only_for_him_his_chain_and_admins(rig: DashRig, who: str) -> None:
    client = await rig.signed_in(who)
    try:
        page = await client.get("/dash/kr/latency")
        body = await page.text()
        assert page.status == (200 if who in SEES_BEN else 404)
        assert (BEN_SECRET in body) is (who in SEES_BEN)
        # Chloe's blocker names Ben's key result, but Ben is her peer: he never reads it there.
        assert (CHLOE_ON_BENS_KR in body) is (who in {"Maya", "Carla", "Zoe"})
        live = await client.get("/dash/live?scope=kr:latency")
        assert live.status == (200 if who in SEES_BEN else 404)
        assert (await client.get("/dash/kr/no-such-key")).status == 404  # the same answer as "not yours"
    finally:
        await client.close()


@pytest.mark.parametrize("who", VIEWERS)
async def test_no_dashboard_page_a_peer_can_open_shows_bens_blocker(rig: DashRig, who: str) -> None:
    client = await rig.signed_in(who)
    try:
        for path in ("/dash/", "/dash/outcomes", "/dash/team", "/dash/insights", f"/dash/team?team={rig.team.teams['Platform'].id}"):
            page = await client.get(path)
            assert page.status in (200, 404), path
            if BEN_SECRET in await page.text():
                assert who in SEES_BEN, f"{who} read Ben's blocker on {path}"
    finally:
        await client.close()


@pytest.mark.parametrize("who", VIEWERS)
async def test_the_outcomes_tree_shows_bens_key_result_details_only_to_those_who_may_see_him(rig: DashRig, who: str) -> None:
    client = await rig.signed_in(who)
    try:
        body = await (await client.get("/dash/outcomes")).text()
        assert "New customers succeed in their first week" in body  # the outcome itself is for everyone
        assert ('href="/dash/kr/latency"' in body) is (who in SEES_BEN)
    finally:
        await client.close()


async def test_the_team_page_shows_mayas_reports_to_her_and_carla_but_no_team_to_a_peer(rig: DashRig) -> None:
    platform = rig.team.teams["Platform"].id
    for who, status in (("Maya", 200), ("Carla", 200), ("Zoe", 200), ("Chloe", 404), ("Omar", 404)):
        client = await rig.signed_in(who)
        try:
            page = await client.get(f"/dash/team?team={platform}")
            assert page.status == status, who
            if status == 200:
                body = await page.text()
                assert "Ben" in body and BEN_SECRET in body
                assert "Answered" in body and "2026-W47" in body
        finally:
            await client.close()


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_the_dashboards_list_rule_agrees_with_chats_rule_for_everyone(rig: DashRig, viewer: str) -> None:
    config = rig.config
    async with rig.db.session() as session:
        visible = await visible_to(session, config, rig.team.people[viewer])
        for name, person in rig.team.people.items():
            allowed = await may_see_person(session, config, viewer=rig.team.people[viewer], person=person)
            assert (person.id in visible) is allowed, (viewer, name)


