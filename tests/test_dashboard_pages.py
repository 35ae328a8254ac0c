"""What the dashboard's pages say, over tests/manager_team.py's eight weeks of check-ins."""

from __future__ import annotations

import re
from datetime import timedelta

from storage.models import Blocker
from tests.dashboard_rig import DashRig, rig  # noqa: F401
from tests.manager_team import NOW

EVE_LEGAL = "Legal has not approved the pricing page copy"  # open 28 days


async def read(rig: DashRig, who: str, path: str) -> tuple[int, str]:
    client = await rig.signed_in(who)
    try:
        page = await client.get(path)
        return page.status, await page.text()
    finally:
        await client.close()


async def test_home_shows_my_key_results_with_pace_and_my_open_blockers(rig: DashRig) -> None:
    status, body = await read(rig, "Ben", "/dash/")
    assert status == 200
    assert "Checkout p95 latency" in body and "340 ms of 250 ms" in body and "confidence 4/10" in body
    assert "behind pace (expected 58%)" in body and "at risk" in body  # 40% of the way on 23 Nov, confidence 4
    assert "Database upgrade slipped again" in body and "Trial demos time out" not in body  # mine, not Chloe's


async def test_the_key_result_page_has_both_plots_a_table_of_every_value_and_a_forecast(rig: DashRig) -> None:
    status, body = await read(rig, "Maya", "/dash/kr/activation")
    assert status == 200
    assert body.count("<svg") == 2 and 'aria-label="Trial activation rate (%)"' in body
    rows = re.findall(r"<tr><td class=\"nowrap\">", body)
    assert len(rows) == 8  # W40..W47
    assert "36%" in body and "2026-W40" in body
    assert "Forecast for the end of the period" in body and "the target would be met" in body  # rising 2 a week
    assert "Activation crossed 35% for the first time" in body  # Chloe's win on it


async def test_the_team_page_counts_check_ins_per_week_and_lists_blockers_oldest_first(rig: DashRig) -> None:
    status, body = await read(rig, "Maya", "/dash/team")
    assert status == 200
    week = re.search(r"<tr><td>2026-W47</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", body)
    assert week and week.groups() == ("3", "0", "1")  # Ben, Chloe, Eve answered; Dev missed
    assert body.index(EVE_LEGAL) < body.index("Database upgrade slipped again")  # 28 days before 7
    assert "Activation crossed 35%" in body
    assert "rank" not in body.lower().replace("never a ranking", "")


async def test_insights_show_drops_old_blockers_and_a_met_target_with_a_flat_outcome(rig: DashRig) -> None:
    status, body = await read(rig, "Maya", "/dash/insights")
    assert status == 200
    drops = re.search(r'<ul class="plain" id="confidence-drops">(.*?)</ul>', body, re.S).group(1)  # type: ignore[union-attr]
    assert "Trial-to-paid conversion" in drops and "confidence 8" in drops and "→ 5" in drops
    assert "Checkout p95 latency" in drops  # Ben: 7 → 4
    old = re.search(r'<ul class="plain" id="old-blockers">(.*?)</ul>', body, re.S).group(1)  # type: ignore[union-attr]
    assert EVE_LEGAL in old and "Tracking plan not signed off" not in old  # Pia is Omar's, not Maya's
    assert 'href="/dash/kr/emails"' in re.search(r'id="met-flat">(.*?)</ul>', body, re.S).group(1)  # type: ignore[union-attr]


async def test_a_peer_sees_only_their_own_insights(rig: DashRig) -> None:
    _, body = await read(rig, "Chloe", "/dash/insights")
    assert EVE_LEGAL not in body and "Trial-to-paid conversion" not in body and "Checkout p95" not in body


async def test_the_tree_filtered_by_team_shows_only_that_teams_branch(rig: DashRig) -> None:
    growth = rig.team.teams["Growth"].id
    _, body = await read(rig, "Zoe", f"/dash/outcomes?team={growth}")
    assert "Experiments run" in body and "Upgrades closed" in body  # Pia's and Omar's
    assert "Checkout p95 latency" not in body and "Trial activation rate" not in body  # Platform's
    _, everything = await read(rig, "Zoe", "/dash/outcomes")
    assert "Checkout p95 latency" in everything and "Experiments run" in everything


async def test_the_team_page_shows_coaching_nudges_with_their_evidence(rig: DashRig) -> None:
    from cadences.digest_planner import queue_due_digests
    from cadences.settings import DigestSchedule, NudgePolicy
    from tests.manager_team import NOW

    await queue_due_digests(rig.db, schedule=DigestSchedule(), nudges=NudgePolicy(budget_per_week=5), now=NOW)
    _, body = await read(rig, "Maya", "/dash/team")
    nudges = body[body.index("Coaching nudges"):]
    assert "Recurring blocker" in nudges and "Checkout p95 latency" in nudges and "Try:" in nudges
    _, peer = await read(rig, "Chloe", "/dash/team")
    assert "Recurring blocker" not in peer  # Chloe manages no one: no nudges about Ben for her


async def test_an_admin_sees_the_oldest_fifty_old_blockers_of_everyone_and_how_many_more(rig: DashRig) -> None:
    async with rig.db.transaction() as session:
        for n in range(60):
            session.add(Blocker(person_id=rig.team.id("Chloe"), text=f"Waiting on vendor {n:02d}",
                                created_at=NOW - timedelta(days=90 - n)))
    _, body = await read(rig, "Zoe", "/dash/insights")
    old = re.search(r'<ul class="plain" id="old-blockers">(.*?)</ul>(.*?)<h2>', body, re.S)
    assert old is not None
    assert old.group(1).count("<li>") == 50 and "Waiting on vendor 00" in old.group(1)  # oldest first
    assert "Waiting on vendor 59" not in old.group(1) and EVE_LEGAL not in old.group(1)
    shown_more = re.search(r"… and (\d+) more", old.group(2))
    assert shown_more is not None and int(shown_more.group(1)) > 10  # the other 10 of Chloe's, Eve's and others'
