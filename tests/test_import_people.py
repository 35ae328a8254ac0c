"""Importing the org chart from a people CSV: all or nothing, re-runnable, every problem by row."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.db import Database
from storage.importers import ImportFailed, import_people
from storage.models import Team
from tests.import_helpers import PEOPLE_HEADER, database_contents, import_sample_people, people_by_email


async def run_import(db: Database, csv_text: str, **kwargs):
    options = {"default_timezone": "Europe/Berlin", "default_country": "DE", "admins": ()} | kwargs
    return await import_people(db, csv_text, source="people.csv", **options)


async def test_sample_org_lands_with_managers_teams_and_timezones(db: Database) -> None:
    report = await import_sample_people(db)

    people = await people_by_email(db)
    assert len(people) == 9
    assert report.created["person"] == 9 and report.created["team"] == 2
    priya, lars = people["priya.sharma@example.com"], people["lars.becker@example.com"]
    assert priya.manager_id == lars.id and priya.timezone == "Asia/Kolkata" and priya.country == "IN"
    assert people["maya.chen@example.com"].is_admin and not priya.is_admin
    async with db.session() as session:
        teams = {team.id: team.name for team in (await session.exec(select(Team))).all()}
    assert teams[priya.team_id] == "Platform"
    assert teams[people["lea.fischer@example.com"].team_id] == "Growth"


async def test_emails_are_lower_cased_and_empty_timezone_and_country_use_the_defaults(db: Database) -> None:
    await run_import(db, PEOPLE_HEADER + "Ada@Example.COM,Ada Lovelace,,,,,,\n")

    ada = (await people_by_email(db))["ada@example.com"]
    assert (ada.timezone, ada.country, ada.manager_id, ada.team_id) == ("Europe/Berlin", "DE", None, None)


async def test_columns_may_come_in_any_order_and_platform_ids_are_optional(db: Database) -> None:
    await run_import(db, "name,email,team,manager_email,country,timezone\nAda,ada@example.com,Core,,gb,Europe/London\n")

    ada = (await people_by_email(db))["ada@example.com"]
    assert (ada.name, ada.country, ada.slack_user_id) == ("Ada", "GB", None)


async def test_running_the_same_file_again_changes_nothing_and_duplicates_nothing(db: Database) -> None:
    await import_sample_people(db)
    before = await database_contents(db)

    report = await import_sample_people(db)

    assert await database_contents(db) == before
    assert report.created == {} and report.updated == {}
    assert report.unchanged["person"] == 9


async def test_a_changed_file_updates_people_in_place_by_email(db: Database) -> None:
    await import_sample_people(db)
    moved = (
        PEOPLE_HEADER
        + "PRIYA.SHARMA@example.com,Priya S.,Europe/Berlin,DE,dana.ortiz@example.com,Growth,U0PRIYA,\n"
        + "new.hire@example.com,New Hire,,,priya.sharma@example.com,Growth,,\n"
    )

    report = await run_import(db, moved)

    people = await people_by_email(db)
    assert len(people) == 10
    priya = people["priya.sharma@example.com"]
    assert (priya.name, priya.timezone, priya.slack_user_id) == ("Priya S.", "Europe/Berlin", "U0PRIYA")
    assert priya.manager_id == people["dana.ortiz@example.com"].id
    assert people["new.hire@example.com"].manager_id == priya.id
    assert (report.created["person"], report.updated["person"]) == (1, 1)


async def test_an_empty_platform_id_keeps_the_one_already_stored(db: Database) -> None:
    await run_import(db, PEOPLE_HEADER + "ada@example.com,Ada,,,,,U0ADA,aad-ada\n")
    await run_import(db, PEOPLE_HEADER + "ada@example.com,Ada,,,,,,\n")

    ada = (await people_by_email(db))["ada@example.com"]
    assert (ada.slack_user_id, ada.teams_user_id) == ("U0ADA", "aad-ada")


async def test_two_people_can_swap_slack_ids_in_one_import(db: Database) -> None:
    await run_import(db, PEOPLE_HEADER + "a@example.com,A,,,,,U0A,\nb@example.com,B,,,,,U0B,\n")
    await run_import(db, PEOPLE_HEADER + "a@example.com,A,,,,,U0B,\nb@example.com,B,,,,,U0A,\n")

    people = await people_by_email(db)
    assert (people["a@example.com"].slack_user_id, people["b@example.com"].slack_user_id) == ("U0B", "U0A")


BAD_FILES = {
    "bad email": ("maya.chen@example.com,Maya,,,,,,\nnot-an-email,Bob,,,,,,\n", "row 3: 'not-an-email' is not an email"),
    "duplicate email": (
        "bob@example.com,Bob,,,,,,\nBOB@example.com,Bobby,,,,,,\n",
        "row 3: email bob@example.com is already used on row 2",
    ),
    "empty name": ("bob@example.com,,,,,,,\n", "row 2: name is empty"),
    "invalid timezone": ("bob@example.com,Bob,Mars/Olympus,,,,,\n", "row 2: timezone 'Mars/Olympus' is not an IANA"),
    "unknown country": ("bob@example.com,Bob,,XX,,,,\n", "row 2: country 'XX' is not a country code"),
    "unknown manager": (
        "a@example.com,A,,,,,,\nbob@example.com,Bob,,,nobody@example.com,,,\n",
        "row 3: manager nobody@example.com is not in this file or the database",
    ),
    "own manager": ("bob@example.com,Bob,,,bob@example.com,,,\n", "row 2: bob@example.com cannot be their own manager"),
    "cycle in the file": (
        "a@example.com,A,,,c@example.com,,,\nb@example.com,B,,,a@example.com,,,\nc@example.com,C,,,b@example.com,,,\n",
        "row 2: the manager chain loops: a@example.com → c@example.com → b@example.com → a@example.com",
    ),
    "cycle through people already stored": (
        "maya.chen@example.com,Maya,,,priya.sharma@example.com,,,\n",
        "row 2: the manager chain loops: maya.chen@example.com → priya.sharma@example.com → "
        "lars.becker@example.com → maya.chen@example.com",
    ),
    "duplicate slack id in the file": (
        "a@example.com,A,,,,,U0SAME,\nb@example.com,B,,,,,U0SAME,\n",
        "row 3: slack_user_id U0SAME is already used on row 2",
    ),
    "duplicate teams id in the file": (
        "a@example.com,A,,,,,,aad-1\nb@example.com,B,,,,,,aad-1\n",
        "row 3: teams_user_id aad-1 is already used on row 2",
    ),
    "slack id of someone already stored": (
        "newcomer@example.com,New,,,,,U0MAYA,\n",
        "row 2: slack_user_id U0MAYA already belongs to maya.chen@example.com in the database",
    ),
    "too many values": ("bob@example.com,Bob,,,,,,,extra\n", "row 2: 9 values but the header names 8 columns"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
async def test_a_bad_row_is_named_and_nothing_is_written(db: Database, case: str) -> None:
    await import_sample_people(db)
    await run_import(db, PEOPLE_HEADER + "maya.chen@example.com,Maya Chen,America/New_York,US,,,U0MAYA,\n")
    before = await database_contents(db)
    rows, expected = BAD_FILES[case]

    with pytest.raises(ImportFailed) as failure:
        # A valid new person and team after the bad rows must not be written either.
        await run_import(db, PEOPLE_HEADER + rows + "zed@example.com,Zed,,,,Brand New Team,,\n")

    assert any(problem.startswith(expected) for problem in failure.value.problems), failure.value.problems
    assert await database_contents(db) == before


async def test_every_problem_in_the_file_is_listed_in_row_order(db: Database) -> None:
    bad = (
        PEOPLE_HEADER
        + "ok@example.com,Ok,,,,,,\n"
        + "bob@example.com,,Nowhere/City,ZZ,,,,\n"
        + "\n"
        + "eve@example,Eve,,,,,,\n"
    )

    with pytest.raises(ImportFailed) as failure:
        await run_import(db, bad)

    assert failure.value.problems == [
        "row 3: name is empty",
        "row 3: timezone 'Nowhere/City' is not an IANA timezone such as Europe/Berlin or America/New_York",
        "row 3: country 'ZZ' is not a country code the holidays package knows (e.g. DE, US, IN)",
        "row 5: 'eve@example' is not an email address",
    ]
    assert (await database_contents(db))["Person"] == []


async def test_a_header_without_required_columns_names_what_is_missing(db: Database) -> None:
    with pytest.raises(ImportFailed) as failure:
        await run_import(db, "email,name,tz,country\nbob@example.com,Bob,UTC,US\n")

    assert failure.value.problems == [
        "row 1: the header is missing the columns timezone, manager_email, team "
        "(expected email,name,timezone,country,manager_email,team,slack_user_id,teams_user_id,active)",
        "row 1: unknown column 'tz'",
    ]


async def test_a_misspelt_column_gets_a_suggestion(db: Database) -> None:
    with pytest.raises(ImportFailed) as failure:
        await run_import(db, PEOPLE_HEADER.replace("slack_user_id", "slack_userid") + "bob@example.com,Bob,,,,,,\n")

    assert failure.value.problems == ["row 1: unknown column 'slack_userid' (did you mean 'slack_user_id'?)"]


async def test_an_empty_file_says_what_the_header_should_be(db: Database) -> None:
    with pytest.raises(ImportFailed) as failure:
        await run_import(db, "\n")

    assert "the first row must be the header email,name,timezone" in failure.value.problems[0]


async def test_people_import_and_refusal_work_on_every_database(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        await import_sample_people(db)
        await import_sample_people(db)
        before = await database_contents(db)
        assert len(before["Person"]) == 9 and len(before["Team"]) == 2
        with pytest.raises(ImportFailed):
            await run_import(db, PEOPLE_HEADER + "new@example.com,New,,,,New Team,,\nx@example.com,X,,,ghost@example.com,,,\n")
        assert await database_contents(db) == before
    finally:
        await db.dispose()
