"""Small validators shared by the importers; each returns a problem text or None."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def normalise_email(value: str) -> str:
    return value.strip().lower()


def email_problem(value: str, max_length: int) -> str | None:
    if not value:
        return "email is empty"
    if len(value) > max_length or not _EMAIL.match(value):
        return f"{value!r} is not an email address"
    return None


def timezone_problem(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        close = closest_timezones(value)
        hint = f" (did you mean {' or '.join(repr(name) for name in close)}?)" if close else ""
        return f"timezone {value!r} is not an IANA timezone such as Europe/Berlin or America/New_York{hint}"
    return None


@lru_cache(maxsize=1)
def _timezones() -> tuple[str, ...]:
    from zoneinfo import available_timezones

    return tuple(sorted(name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))))


def closest_timezones(value: str, n: int = 2) -> list[str]:
    """IANA names close to a mistyped one: the same city first (`India/Kolkata` → Asia/Kolkata),
    then names that are spelled alike (`Europe/Berln` → Europe/Berlin)."""
    typed = value.strip().replace(" ", "_")
    city = typed.rsplit("/", 1)[-1].casefold()
    same_city = [name for name in _timezones() if name.rsplit("/", 1)[-1].casefold() == city]
    if same_city:
        return same_city[:n]
    by_lower = {name.casefold(): name for name in _timezones()}
    alike = [by_lower[name] for name in difflib.get_close_matches(typed.casefold(), list(by_lower), n=n, cutoff=0.85)]
    cities = {name.rsplit("/", 1)[-1].casefold(): name for name in _timezones()}
    alike += [cities[name] for name in difflib.get_close_matches(city, list(cities), n=n, cutoff=0.8)]
    return list(dict.fromkeys(alike))[:n]


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    import holidays

    return frozenset(holidays.list_supported_countries())


def country_problem(value: str) -> str | None:
    if value not in _countries():
        return f"country {value!r} is not a country code the holidays package knows (e.g. DE, US, IN)"
    return None


def length_problem(what: str, value: str, max_length: int) -> str | None:
    if len(value) > max_length:
        return f"{what} is {len(value)} characters long; at most {max_length} fit"
    return None


def unknown_name_hint(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'target'?)` for a likely typo, else an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def numbered(problems: list[tuple[int, str]], unit: str) -> list[str]:
    """Sort (number, text) problems by position and render them as `row 7: ...`."""
    return [f"{unit} {number}: {text}" for number, text in sorted(problems, key=lambda item: item[0])]
