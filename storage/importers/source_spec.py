"""The `source:` block of a key result in okrs.yaml: where its value is pulled from.

    source: {kind: github, query: "repo:acme/app is:pr is:merged", token_env: GITHUB_TOKEN, every: 30m}

Checked here with the line of each problem; `${NAME}` references stay unexpanded in the
database and are filled from the environment at every fetch, so secrets never reach the file
or the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from storage.importers.checks import unknown_name_hint
from storage.yamlfile import LineMap, plain

KINDS: dict[str, dict[str, bool]] = {  # kind → its keys (True: required)
    "sql": {"url": True, "query": True},
    "github": {"query": True, "api_url": False},
    "jira": {"base_url": True, "jql": True, "email": False, "api": False},
    "http-json": {"url": True, "path": True},
}
COMMON = {"kind": True, "every": False, "token_env": False}
DEFAULT_EVERY_SECONDS = 3600
MIN_EVERY_SECONDS = 60
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENV_REF = re.compile(r"\$\{([^}]*)\}")
_EVERY = re.compile(r"^(\d+)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    settings: dict[str, Any]  # every key of the block but `every`, as written
    every_seconds: int


def every_seconds(text: str) -> int | None:
    """'30m', '2 hours', '1d' → seconds; None when unreadable."""
    match = _EVERY.match(text.strip().lower())
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)[0]] if match else None


def read_source(value: Any, line: int, what: str, add: Callable[[int, str], None]) -> SourceSpec | None:
    """Check one `source:` block; report each problem with `add(line, text)`."""
    if not isinstance(value, LineMap):
        add(line, f"source of {what} must be a mapping like {{kind: github, query: \"…\"}}")
        return None
    kind = value.get("kind")
    if kind not in KINDS:
        where = value.key_lines.get("kind", value.line)
        add(where, f"source of {what} needs kind: one of {', '.join(KINDS)}" + ("" if kind is None else f", not {kind!r}"))
        return None
    allowed = {**COMMON, **KINDS[kind]}
    ok = True
    for key in value:
        if key not in allowed:
            add(value.key_lines[key], f"unknown key {key!r} in the {kind} source of {what}{unknown_name_hint(str(key), allowed)}")
            ok = False
    for key, required in allowed.items():
        if required and key not in value:
            add(value.line, f"the {kind} source of {what} is missing {key}")
            ok = False
        elif key in value and (not isinstance(value[key], str) or not value[key].strip()):
            add(value.key_lines[key], f"{key} of the {kind} source of {what} must be text")
            ok = False
    if not ok:
        return None
    return _checked(value, kind, what, add)


def _checked(value: LineMap, kind: str, what: str, add: Callable[[int, str], None]) -> SourceSpec | None:
    problems_before = []

    def problem(key: str, text: str) -> None:
        problems_before.append(key)
        add(value.key_lines[key], f"{key} of the {kind} source of {what} {text}")

    for key, text in value.items():
        for name in _ENV_REF.findall(text):
            if not _ENV_NAME.match(name):
                problem(key, f"refers to ${{{name}}}, which is not an environment variable name")
    if "token_env" in value and not _ENV_NAME.match(value["token_env"]):
        problem("token_env", "must name an environment variable (e.g. GITHUB_TOKEN), not hold the token itself")
    for key in ("base_url", "api_url") + (("url",) if kind == "http-json" else ()):
        if key in value and not re.match(r"^(https?://|\$\{)", value[key]):
            problem(key, "must start with https:// (or http://)")
    if kind == "jira" and value.get("api", "cloud") not in ("cloud", "datacenter"):
        problem("api", "must be cloud or datacenter")
    if kind == "http-json":
        try:
            jmespath.compile(value["path"])
        except JMESPathError as exc:
            problem("path", f"is not a JMESPath expression ({str(exc).splitlines()[0]})")
    seconds = DEFAULT_EVERY_SECONDS
    if "every" in value:
        seconds = every_seconds(value["every"]) or 0
        if seconds < MIN_EVERY_SECONDS:
            problem("every", "must be a duration of at least a minute, like 15m, 2h or 1d")
    if problems_before:
        return None
    settings = {key: item for key, item in plain(value).items() if key != "every"}
    return SourceSpec(kind=kind, settings=settings, every_seconds=seconds)
