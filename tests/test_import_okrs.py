"""Importing outcomes, objectives and key results from YAML: all or nothing, every problem by line."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.db import Database
from storage.importers import ImportFailed, import_okrs
from storage.models import Direction, KeyResult, Objective, Outcome, Team
from tests.import_helpers import database_contents, import_sample_org, import_sample_people, people_by_email

FRESH = """\
period: 2026-Q4
outcomes:
  - key: fresh
    title: A new outcome that must not be written
    objectives:
      - title: New objective
        owner: team:Growth
        key_results:
          - key: fresh-kr
            title: Fresh
            owner: lea.fischer@example.com
            baseline: 0
            target: 10
"""
BROKEN = """\
  - key: broken
    title: Broken
    owner: maya.chen@example.com
    objectives:
      - title: Broken objective
        owner: maya.chen@example.com
        key_results:
          - key: broken-kr
            title: Broken KR
            owner: lea.fischer@example.com
            unit: "%"
            baseline: 1
            target: 2
"""  # starts on line 14 after FRESH


async def run_import(db: Database, text: str):
    return await import_okrs(db, text, source="okrs.yaml")


async def key_results(db: Database) -> dict[str, KeyResult]:
    async with db.session() as session:
        return {kr.key: kr for kr in (await session.exec(select(KeyResult))).all()}


async def test_sample_okrs_land_with_owners_teams_and_directions(db: Database) -> None:
    report = await import_sample_org(db)

    assert (report.created["outcome"], report.created["objective"], report.created["key result"]) == (3, 6, 12)
    people = await people_by_email(db)
    krs = await key_results(db)
    onboarding = krs["onboarding-days"]
    assert (onboarding.baseline, onboarding.target, onboarding.unit) == (30, 14, "days")
    assert onboarding.direction == Direction.decrease and krs["activation-rate"].direction == Direction.increase
    assert onboarding.owner_id == people["arjun.mehta@example.com"].id
    async with db.session() as session:
        objective = (await session.exec(select(Objective).where(Objective.id == onboarding.objective_id))).one()
        team = (await session.exec(select(Team).where(Team.id == objective.owner_team_id))).one()
        outcome = (await session.exec(select(Outcome).where(Outcome.id == objective.outcome_id))).one()
    assert (team.name, objective.period, objective.owner_person_id) == ("Growth", "2026-Q4", None)
    assert outcome.key == "retention" and outcome.indicators[0] == "Weekly active teams per account"
    assert outcome.owner_id == people["maya.chen@example.com"].id


async def test_running_the_same_okrs_again_changes_nothing_and_duplicates_nothing(db: Database) -> None:
    await import_sample_org(db)
    before = await database_contents(db)

    report = await import_sample_org(db)

    assert await database_contents(db) == before
    assert report.created == {} and report.updated == {}
    assert report.unchanged["key result"] == 12


async def test_a_new_target_is_updated_but_the_reported_value_and_confidence_are_kept(db: Database) -> None:
    await import_sample_people(db)
    await run_import(db, FRESH)
    async with db.transaction() as session:
        kr = (await session.exec(select(KeyResult).where(KeyResult.key == "fresh-kr"))).one()
        kr.current, kr.confidence = 4, 7
        session.add(kr)

    report = await run_import(db, FRESH.replace("target: 10", "target: 12\n            current: 0").replace(
        "title: Fresh", "title: Fresher"))

    kr = (await key_results(db))["fresh-kr"]
    assert (kr.title, kr.target, kr.current, kr.confidence) == ("Fresher", 12, 4, 7)
    assert report.updated["key result"] == 1 and report.unchanged["objective"] == 1


async def test_current_in_the_file_fills_a_new_key_result(db: Database) -> None:
    await import_sample_people(db)

    await run_import(db, FRESH.replace("target: 10", "target: 10\n            current: 2.5"))

    assert (await key_results(db))["fresh-kr"].current == 2.5


async def test_an_outcome_or_objective_may_name_its_own_period(db: Database) -> None:
    await import_sample_people(db)
    text = FRESH.replace("period: 2026-Q4\n", "").replace(
        "    objectives:", "    period: 2026-H2\n    objectives:").replace(
        "      - title: New objective", "      - title: New objective\n        period: 2026-Q3")

    await run_import(db, text)

    async with db.session() as session:
        outcome = (await session.exec(select(Outcome))).one()
        objective = (await session.exec(select(Objective))).one()
    assert (outcome.period, objective.period) == ("2026-H2", "2026-Q3")


BAD_FILES = {
    "unknown owner email": (
        ("owner: lea.fischer@example.com", "owner: nobody@example.com"),
        "line 23: owner nobody@example.com is not in the database; import the people CSV first",
    ),
    "unknown team": (
        ("owner: maya.chen@example.com\n        key_results", "owner: team:Sales\n        key_results"),
        "line 19: team 'Sales' is not in the database; teams come from the people CSV's team column",
    ),
    "non-numeric baseline": (
        ("baseline: 1", "baseline: thirty"),
        "line 25: baseline of key result 'broken-kr' must be a number, not 'thirty'",
    ),
    "non-numeric target": (("target: 2", "target: 2x"), "line 26: target of key result 'broken-kr' must be a number"),
    "infinite target": (("target: 2", "target: .inf"),
                        "line 26: target of key result 'broken-kr' must be a finite number, not inf"),
    "not-a-number baseline": (("baseline: 1", "baseline: .nan"),
                              "line 25: baseline of key result 'broken-kr' must be a finite number, not nan"),
    "baseline equals target": (
        ("target: 2", "target: 1"),
        "line 26: target of key result 'broken-kr' equals its baseline; a key result must move",
    ),
    "duplicate outcome key": (("key: broken\n", "key: fresh\n"), "line 14: outcome key 'fresh' is already used on line 3"),
    "duplicate key result key": (
        ("key: broken-kr", "key: fresh-kr"),
        "line 21: key result key 'fresh-kr' is already used on line 9",
    ),
    "missing required key": (("            title: Broken KR\n", ""), "line 21: key result 'broken-kr' is missing title"),
    "text where a list is expected": (
        ("    owner: maya.chen@example.com\n    objectives", "    indicators: Fast teams\n    objectives"),
        "line 16: indicators in outcome 'broken' must be a list",
    ),
    "a list where text is expected": (
        ("title: Broken objective", "title: [a, b]"),
        "line 18: title of an objective must be text, not a list",
    ),
    "misspelt key": (("target: 2", "targt: 2"), "line 26: unknown key 'targt' in key result 'broken-kr' (did you mean 'target'?)"),
    "owner that is not an email": (
        ("owner: lea.fischer@example.com", "owner: Lea Fischer"),
        "line 23: owner 'Lea Fischer' of key result 'broken-kr' is not an email",
    ),
    "a team owning a key result": (
        ("owner: lea.fischer@example.com", "owner: team:Growth"),
        "line 23: owner of key result 'broken-kr' must be a person's email, not a team",
    ),
    "yaml key written twice": (('unit: "%"', "title: Again"), "line 24: this is not valid YAML: duplicate key 'title'"),
    "broken yaml": (("title: Broken KR", "title: [Broken KR"), "line 23: this is not valid YAML: expected"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
async def test_a_bad_okr_file_names_the_line_and_nothing_is_written(db: Database, case: str) -> None:
    await import_sample_org(db)
    before = await database_contents(db)
    (old, new), expected = BAD_FILES[case]
    assert old in BROKEN

    with pytest.raises(ImportFailed) as failure:
        await run_import(db, FRESH + BROKEN.replace(old, new, 1))

    assert any(problem.startswith(expected) for problem in failure.value.problems), failure.value.problems
    assert await database_contents(db) == before


async def test_every_problem_in_the_okr_file_is_listed_in_line_order(db: Database) -> None:
    await import_sample_people(db)
    text = FRESH + BROKEN.replace("baseline: 1", "baseline: one").replace(
        "owner: lea.fischer@example.com", "owner: ghost@example.com").replace("title: Broken\n", "titel: Broken\n")

    with pytest.raises(ImportFailed) as failure:
        await run_import(db, text)

    assert failure.value.problems == [
        "line 14: outcome 'broken' is missing title",
        "line 15: unknown key 'titel' in outcome 'broken' (did you mean 'title'?)",
        "line 23: owner ghost@example.com is not in the database; import the people CSV first",
        "line 25: baseline of key result 'broken-kr' must be a number, not 'one'",
    ]


async def test_a_file_that_is_not_an_okr_mapping_is_refused(db: Database) -> None:
    for text, expected in [
        ("", "line 1: the file is empty; it needs `period:` and `outcomes:`"),
        ("- just\n- a list\n", "line 1: the file must be a mapping of keys such as outcomes"),
        ("outcomes:\n  - key: x\n    title: X\n", "line 1: the file is missing period (e.g. `period: 2026-Q4` at the top)"),
    ]:
        with pytest.raises(ImportFailed) as failure:
            await run_import(db, text)
        assert failure.value.problems == [expected]


async def test_okr_import_and_refusal_work_on_every_database(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        await import_sample_org(db)
        await import_sample_org(db)
        before = await database_contents(db)
        assert len(before["KeyResult"]) == 12 and len(before["Outcome"]) == 3
        with pytest.raises(ImportFailed):
            await run_import(db, FRESH + BROKEN.replace("target: 2", "target: lots"))
        assert await database_contents(db) == before
    finally:
        await db.dispose()
