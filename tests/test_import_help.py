"""Import mistakes come with help: the closest IANA timezone or existing team, semicolon CSVs
(European spreadsheets) are read, and a YAML indentation error says it is about indentation."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.importers import ImportFailed, import_okrs
from storage.importers.people import import_people
from tests.import_helpers import import_sample_people

KWARGS = {"source": "people.csv", "default_timezone": "Europe/Berlin", "default_country": "DE"}


async def test_an_unknown_timezone_suggests_the_closest_iana_names(db: Database) -> None:
    csv = ("email,name,timezone,country,manager_email,team\n"
           "a@x.com,Ana,India/Kolkata,IN,,\nb@x.com,Ben,Europe/Berln,DE,,\nc@x.com,Cy,America/NewYork,US,,\n")
    with pytest.raises(ImportFailed) as failed:
        await import_people(db, csv, **KWARGS)
    assert failed.value.problems == [
        "row 2: timezone 'India/Kolkata' is not an IANA timezone such as Europe/Berlin or America/New_York (did you mean 'Asia/Kolkata'?)",
        "row 3: timezone 'Europe/Berln' is not an IANA timezone such as Europe/Berlin or America/New_York (did you mean 'Europe/Berlin'?)",
        "row 4: timezone 'America/NewYork' is not an IANA timezone such as Europe/Berlin or America/New_York (did you mean 'America/New_York'?)",
    ]


async def test_a_semicolon_separated_csv_is_read(db: Database) -> None:
    csv = "email;name;timezone;country;manager_email;team\nana@x.com;Ana;Europe/Paris;FR;;Platform\nben@x.com;Ben;;;ana@x.com;Platform\n"
    report = await import_people(db, csv, **KWARGS)
    assert report.summary_lines() == ["people: 2 created, 0 updated, 0 unchanged", "teams: 1 created, 0 updated, 0 unchanged"]


async def test_an_unknown_team_in_the_okr_file_suggests_the_closest_existing_one(db: Database) -> None:
    await import_sample_people(db)
    okrs = ("period: 2026-Q4\noutcomes:\n  - key: o\n    title: O\n    objectives:\n      - title: T\n"
            "        owner: team:Platfrom\n        key_results: []\n")
    with pytest.raises(ImportFailed) as failed:
        await import_okrs(db, okrs, source="okrs.yaml")
    assert ("line 7: team 'Platfrom' is not in the database (did you mean 'Platform'?); "
            "teams come from the people CSV's team column") in failed.value.problems


async def test_a_yaml_indentation_mistake_says_it_is_indentation(db: Database) -> None:
    okrs = "period: 2026-Q4\noutcomes:\n  - key: o\n   title: O\n"
    with pytest.raises(ImportFailed) as failed:
        await import_okrs(db, okrs, source="okrs.yaml")
    [problem] = failed.value.problems
    assert problem.startswith("line 4:") and "this is usually indentation" in problem and "tabs are not allowed" in problem
