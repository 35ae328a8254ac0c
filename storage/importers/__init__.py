"""All-or-nothing, re-runnable importers for the org chart (people CSV) and OKRs (YAML).

Each importer checks the whole file first and lists every problem with its row or line; only a
file without problems is written, in one transaction. Re-running a file updates in place
(people by email, outcomes and key results by key) and never duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from storage.db import Database
from storage.importers.okrs import import_okrs
from storage.importers.people import PEOPLE_COLUMNS, import_people
from storage.importers.report import ImportFailed, ImportReport

SAMPLES_DIR = Path(__file__).parent / "samples"
SAMPLE_PEOPLE_CSV = SAMPLES_DIR / "people.csv"
SAMPLE_OKRS_YAML = SAMPLES_DIR / "okrs.yaml"

__all__ = [
    "PEOPLE_COLUMNS",
    "SAMPLE_OKRS_YAML",
    "SAMPLE_PEOPLE_CSV",
    "ImportFailed",
    "ImportReport",
    "import_file",
    "import_okrs",
    "import_people",
]


def read_import_text(path: Path) -> str:
    """The file's text, or ImportFailed saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFailed([f"{path} does not exist"], source=path.name) from None
    except IsADirectoryError:
        raise ImportFailed([f"{path} is a folder, not a file"], source=path.name) from None
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV or YAML"], source=path.name
        ) from None
    except OSError as exc:
        raise ImportFailed([f"{path} cannot be read: {exc.strerror}"], source=path.name) from None


async def import_file(
    db: Database,
    path: Path,
    *,
    default_timezone: str,
    default_country: str,
    admins: Iterable[str] = (),
) -> ImportReport:
    """Import a people CSV (`.csv`) or an OKR file (`.yaml`/`.yml`), told apart by extension."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise ImportFailed(
            [f"{path.name}: cannot tell what this is from its extension; use a people .csv or an OKR .yaml/.yml file"],
            source=path.name,
        )
    text = read_import_text(path)
    if suffix == ".csv":
        return await import_people(
            db, text, source=path.name, default_timezone=default_timezone, default_country=default_country, admins=admins
        )
    return await import_okrs(db, text, source=path.name)
