"""Coaching nudges: each rule fires on its evidence and stays quiet otherwise; cooldown, budget
and "not useful" hold."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from cadences.coaching import (
    BlockerFact,
    KRHistory,
    KRPoint,
    NudgeCandidate,
    ReportHistory,
    doing_great,
    lapsed,
    met_but_outcome_flat,
    recurring_blocker,
    shared_blockers,
    stuck,
)
from cadences.digest_batch import coaching_candidates
from storage.repositories.digest_data import load_org
from cadences.nudge_text import explain
from cadences.nudge_selection import PastNudge, quiet_until, select_nudges
from tests.manager_team import NOW, seed_team

MONDAY = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)


def history(values, confidences, *, kr_id=1, objective=1, baseline=0.0, target=10.0, increase=True, outcome=1) -> KRHistory:
    points = tuple(
        KRPoint(n, f"2026-W{47 - len(values) + 1 + n}", MONDAY - timedelta(weeks=len(values) - 1 - n), v, c)
        for n, (v, c) in enumerate(zip(values, confidences))
    )
    return KRHistory(kr_id, objective, baseline, target, increase, points, outcome)


def report(*krs, blockers=(), last_answered=MONDAY, on_leave=False, ever_prompted=True, report_id=7, manager_id=3) -> ReportHistory:
    return ReportHistory(report_id=report_id, manager_id=manager_id, joined_at=NOW - timedelta(days=400), key_results=krs,
                         blockers=blockers, last_answered_at=last_answered, on_leave=on_leave, ever_prompted=ever_prompted)


async def test_each_rule_fires_on_its_evidence_in_an_eight_week_history(db) -> None:
    async with db.transaction() as session:
        team = await seed_team(session)
    async with db.session() as session:
        org = await load_org(session)
        found = await coaching_candidates(session, org=org, manager_ids=[team.id("Maya"), team.id("Omar")], now=NOW)
    names = {p.id: n for n, p in team.people.items()}
    krs = {k.id: key for key, k in team.krs.items()}
    assert sorted((c.rule, names[c.report_id], krs.get(c.key_result_id)) for c in found) == sorted([
        ("recurring_blocker", "Ben", "latency"),  # latency named in open blockers by Ben, Chloe and Eve
        ("stuck", "Ben", "latency"),  # 340 ms three weeks running
        ("doing_great", "Chloe", "activation"),  # confidence 5 → 7 → 8 while rising
        ("lapsed", "Dev", None),  # last answer 5 Oct
        ("recurring_blocker", "Eve", "conversion"),  # legal blocker open 27 days
        ("stuck", "Eve", "conversion"),  # 6 % three weeks running
        ("met_but_outcome_flat", "Eve", "emails"),  # 10 of 10 emails; conversion and Omar's upgrades flat
        ("recurring_blocker", "Pia", "experiments"),  # tracking blocker open 34 days
    ])
    evidence = {(c.rule, names[c.report_id]): c.evidence for c in found}
    assert evidence[("stuck", "Ben")]["values"] == [340, 340, 340]
    assert evidence[("stuck", "Ben")]["dates"] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert evidence[("doing_great", "Chloe")]["confidences"] == [5, 7, 8]
    assert evidence[("lapsed", "Dev")] == {"last_checkin": "2026-10-05", "days_since": 48}
    assert evidence[("recurring_blocker", "Eve")]["age_days"] == 27
    flat = evidence[("met_but_outcome_flat", "Eve")]
    assert flat["other_key_results"] == 2 and flat["outcome_id"] == team.paid.id
    assert [(e["key_result_id"], e["from"], e["to"]) for e in flat["examples"]] == [
        (team.krs["conversion"].id, 6, 6), (team.krs["upgrades"].id, 12, 12)]
    shared = evidence[("recurring_blocker", "Ben")]
    assert shared["reports_blocked"] == 3 and shared["dates"] == ["2026-11-16"]
    assert shared["report_ids"] == sorted(team.id(n) for n in ("Ben", "Chloe", "Eve"))
    assert all(c.question for c in found)


async def test_met_but_outcome_flat_stays_quiet_when_another_owners_key_result_of_the_outcome_improved(db) -> None:
    async with db.transaction() as session:
        team = await seed_team(session)
        from sqlmodel import select

        from storage.models import KRUpdate
        omar_latest = (await session.exec(select(KRUpdate).where(
            KRUpdate.key_result_id == team.krs["upgrades"].id, KRUpdate.checkin_id == team.checkins[("Omar", "2026-W47")].id))).one()
        omar_latest.value = 14  # Omar's upgrades (another objective, another manager's team) moved
        session.add(omar_latest)
    async with db.session() as session:
        found = await coaching_candidates(session, org=await load_org(session), manager_ids=[team.id("Maya")], now=NOW)
    assert "met_but_outcome_flat" not in {c.rule for c in found}


def test_stuck_fires_on_no_movement_or_falling_confidence_and_not_on_progress() -> None:
    assert stuck(report(history([4, 4, 4], [6, 6, 6])))
    assert stuck(report(history([4, 5, 6], [8, 6, 5])))[0].evidence["confidence_falling"] is True
    assert not stuck(report(history([4, 5, 6], [6, 6, 6])))
    assert not stuck(report(history([4, 4], [6, 6])))  # only one interval so far
    assert not stuck(report(history([10, 10, 10], [9, 9, 9])))  # target met, nothing to unblock
    assert stuck(report(history([300, 300, 300], [6, 6, 6], baseline=400, target=250, increase=False)))
    assert not stuck(report(history([300, 290, 280], [6, 6, 6], baseline=400, target=250, increase=False)))


def test_doing_great_needs_rising_confidence_and_movement_and_a_confident_latest() -> None:
    assert doing_great(report(history([3, 5, 7], [5, 7, 8])))
    assert not doing_great(report(history([3, 5, 7], [7, 7, 8])))  # not rising each time
    assert not doing_great(report(history([3, 3, 3], [5, 7, 8])))  # confident but not moving
    assert not doing_great(report(history([3, 5, 7], [3, 5, 6])))  # rising, still unsure


def test_met_but_outcome_flat_only_when_the_outcomes_other_key_results_did_not_improve() -> None:
    met = history([8, 10], [7, 8], kr_id=1, objective=1)
    flat_elsewhere = history([6, 6], [5, 5], kr_id=2, objective=9)  # another objective and owner, same outcome
    moving_elsewhere = history([6, 7], [5, 6], kr_id=3, objective=8)
    silent = history([], [], kr_id=4, objective=7)  # never reported: no sign the outcome moved
    found = met_but_outcome_flat(report(met), {1: [met, flat_elsewhere, silent]})
    assert found and found[0].evidence["other_key_results"] == 2 and found[0].evidence["others_reported"] == 1
    assert not met_but_outcome_flat(report(met), {1: [met, flat_elsewhere, moving_elsewhere]})
    assert not met_but_outcome_flat(report(met), {1: [met]})  # nothing else measures the outcome
    assert not met_but_outcome_flat(report(met), {2: [flat_elsewhere]})  # another outcome says nothing
    assert not met_but_outcome_flat(report(history([10, 10], [8, 8])), {1: [flat_elsewhere]})  # met before
    summary = explain("met_but_outcome_flat", found[0].evidence, key_result="Emails")
    assert "none of the outcome's other 2 key results improved" in summary


def test_lapsed_after_a_month_without_an_answer_but_not_on_leave_or_outside_cadences() -> None:
    assert lapsed(report(last_answered=NOW - timedelta(days=32)), NOW)[0].evidence["days_since"] == 32
    assert not lapsed(report(last_answered=NOW - timedelta(days=20)), NOW)
    assert not lapsed(report(last_answered=NOW - timedelta(days=60), on_leave=True), NOW)
    assert not lapsed(report(last_answered=None, ever_prompted=False), NOW)
    assert lapsed(report(last_answered=None), NOW)[0].evidence["last_checkin"] is None


def test_recurring_blocker_after_two_weeks_open() -> None:
    old = BlockerFact(1, 10, 5, NOW - timedelta(days=15), resolved=False)
    young = BlockerFact(2, 11, 5, NOW - timedelta(days=13), resolved=False)
    assert [c.evidence["age_days"] for c in recurring_blocker(report(blockers=(old,)), NOW)] == [15]
    assert not recurring_blocker(report(blockers=(young,)), NOW)
    assert not recurring_blocker(report(blockers=(BlockerFact(1, 10, 5, NOW - timedelta(days=30), resolved=True),)), NOW)


def blocked_on(kr: int, *report_ids: int, manager_id: int = 3, resolved: bool = False) -> list[ReportHistory]:
    return [report(blockers=(BlockerFact(100 + r, 200 + r, kr, NOW - timedelta(days=r), resolved),), report_id=r, manager_id=manager_id)
            for r in report_ids]


def test_a_key_result_blocking_three_reports_escalates_and_two_stay_quiet() -> None:
    found = shared_blockers(blocked_on(5, 7, 8, 9))
    assert [(c.rule, c.key_result_id, c.report_id) for c in found] == [("recurring_blocker", 5, 9)]  # earliest raised
    assert found[0].evidence == {"reports_blocked": 3, "report_ids": [7, 8, 9], "blocker_ids": [109, 108, 107],
                                 "dates": ["2026-11-14", "2026-11-15", "2026-11-16"]}
    assert not shared_blockers(blocked_on(5, 7, 8))
    assert not shared_blockers(blocked_on(5, 7, 8) + blocked_on(6, 9))  # two key results, two reports each
    assert not shared_blockers(blocked_on(5, 7, 8) + blocked_on(5, 9, manager_id=4))  # another manager's report
    assert not shared_blockers(blocked_on(5, 7, 8) + blocked_on(5, 9, resolved=True))
    assert explain("recurring_blocker", found[0].evidence, key_result="Latency") == (
        "“Latency” is named in open blockers by 3 reports, raised on 14 Nov 2026, 15 Nov 2026, 16 Nov 2026.")


def candidate(rule: str, report_id: int, kr: int | None = None, manager: int = 3) -> NudgeCandidate:
    return NudgeCandidate(rule, report_id, kr, {}, "?", manager)


def test_one_nudge_per_rule_and_report_per_cooldown() -> None:
    past = [PastNudge(3, 7, "stuck", NOW - timedelta(days=10), NOW - timedelta(days=10))]
    fresh = [candidate("stuck", 7, 1), candidate("stuck", 7, 2), candidate("stuck", 8, 1)]
    chosen = select_nudges(fresh, past=past, budget_per_week=5, cooldown_days=14, now=NOW)
    assert [(c.rule, c.report_id) for c in chosen] == [("stuck", 8)]
    later = select_nudges(fresh, past=past, budget_per_week=5, cooldown_days=14, now=NOW + timedelta(days=5))
    assert [(c.report_id, c.key_result_id) for c in later] == [(7, 1), (8, 1)]


def test_budget_caps_nudges_per_manager_per_week_spread_over_reports_before_seconds() -> None:
    fresh = [candidate(rule, r) for r in (7, 8, 9) for rule in ("stuck", "recurring_blocker", "doing_great")]
    chosen = select_nudges(fresh, past=[], budget_per_week=3, cooldown_days=14, now=NOW)
    assert [(c.rule, c.report_id) for c in chosen] == [("recurring_blocker", 7), ("recurring_blocker", 8), ("recurring_blocker", 9)]
    already = [PastNudge(3, 99, "lapsed", NOW - timedelta(days=2), NOW - timedelta(days=2))] * 2
    assert len(select_nudges(fresh, past=already, budget_per_week=3, cooldown_days=14, now=NOW)) == 1
    other_manager = [candidate("stuck", 50, manager=4)]
    assert len(select_nudges(fresh + other_manager, past=already, budget_per_week=3, cooldown_days=14, now=NOW)) == 2


def test_not_useful_doubles_the_quiet_time_for_that_rule_and_report() -> None:
    sent = NOW - timedelta(days=20)
    plain = [PastNudge(3, 7, "doing_great", sent, sent)]
    dismissed = [PastNudge(3, 7, "doing_great", sent, sent, dismissed_at=sent + timedelta(days=1))]
    assert quiet_until(plain, cooldown_days=14) == sent + timedelta(days=14)
    assert quiet_until(dismissed, cooldown_days=14) == sent + timedelta(days=28)
    assert quiet_until(dismissed * 2, cooldown_days=14) == sent + timedelta(days=56)
    fresh = [candidate("doing_great", 7), candidate("stuck", 7)]
    assert [c.rule for c in select_nudges(fresh, past=dismissed, budget_per_week=3, cooldown_days=14, now=NOW)] == ["stuck"]
    assert [c.rule for c in select_nudges(fresh, past=plain, budget_per_week=3, cooldown_days=14, now=NOW)] == ["stuck", "doing_great"]


def test_leave_counts_only_when_today_falls_inside_it() -> None:
    from cadences.coaching import on_leave

    assert on_leave([(date(2026, 11, 20), date(2026, 11, 27))], date(2026, 11, 23))
    assert not on_leave([(date(2026, 11, 1), date(2026, 11, 7))], date(2026, 11, 23))
