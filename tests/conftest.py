"""Shared fixtures: a real, migrated database (SQLite by default, PostgreSQL when asked)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from storage import migrate
from storage.db import Database

PG_ADMIN_URL = os.environ.get("OUTCOMEBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ENABLE_PG_HINT = (
    "PostgreSQL tests need a server at 127.0.0.1:5432 (trust auth, database `test`): start it with "
    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or set "
    "OUTCOMEBOT_TEST_PG_URL. In CI (CI=true) they always run."
)


CLOCK_AHEAD_ENV = "OUTCOMEBOT_TEST_CLOCK_AHEAD"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-ahead", metavar="YEARS", type=float, default=float(os.environ.get(CLOCK_AHEAD_ENV) or 0),
        help=f"run the suite with the process clock moved YEARS ahead (also ${CLOCK_AHEAD_ENV}), so a test "
        "that depends on today's date fails today rather than the day it expires",
    )


def pytest_configure(config: pytest.Config) -> None:
    years = config.getoption("--clock-ahead")
    if years:
        import time_machine

        # tick=True: time runs on from there, so timeouts and durations still behave.
        traveller = time_machine.travel(datetime.now(timezone.utc) + timedelta(days=365.25 * years), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    years = config.getoption("--clock-ahead")
    return f"clock moved {years:g} years ahead: now is {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC" if years else None


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgresql://", "postgresql://", 1), connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'outcomebot.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable in CI: " + ENABLE_PG_HINT)
        pytest.skip(ENABLE_PG_HINT)
    import psycopg

    name = f"outcomebot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Run a test on both databases."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    yield database
    await database.dispose()


@pytest.fixture
async def any_db(any_db_url: str) -> AsyncIterator[Database]:
    """A Database on each of SQLite and PostgreSQL in turn."""
    database = Database(any_db_url)
    yield database
    await database.dispose()
