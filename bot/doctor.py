"""`outcomebot doctor`: is this setup right? Each check says ok, or what is wrong and what to do.

The checks that talk to a chat platform live in that platform's package (`bot/slack/doctor.py`,
`bot/teams/doctor.py`, each offering `async def checks(runtime, session) -> list[Finding]`);
this module runs the rest: configuration, database, organisation data, people nobody can reach
and the public URL.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, config_path
from bot.runtime import Runtime
from storage import migrate
from storage.repositories.people import count_people
from storage.repositories.setup_facts import count_key_results, people_without_chat_identity

HTTP_TIMEOUT_SECONDS = 10
SHOWN_NAMES = 5  # people listed by name before "and N more"


@dataclass(frozen=True)
class Finding:
    """One check's verdict: `fix` is empty when it is fine, else what the admin should do."""

    check: str
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return not self.fix


def ok(check: str, detail: str) -> Finding:
    return Finding(check, detail)


def problem(check: str, detail: str, fix: str) -> Finding:
    return Finding(check, detail, fix)


def http_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS))


def names(emails: list[str]) -> str:
    shown = ", ".join(emails[:SHOWN_NAMES])
    return shown + (f" and {len(emails) - SHOWN_NAMES} more" if len(emails) > SHOWN_NAMES else "")


async def diagnose(config: Path | None) -> AsyncIterator[Finding]:
    """Every check in order; stops early only when the configuration or database cannot be used."""
    path = config_path(config)
    if not path.exists():
        yield problem("configuration", f"{path} does not exist",
                      "run `outcomebot init` here, or point --config / OUTCOMEBOT_CONFIG at your app.yaml")
        return
    try:
        runtime = Runtime.open(path, required=True)
    except ConfigError as exc:
        yield problem("configuration", str(exc), f"correct {path} and run `outcomebot doctor` again")
        return
    except (ValueError, SQLAlchemyError, ImportError) as exc:
        yield problem("configuration", f"the database URL cannot be used: {exc}",
                      "set database_url in app.yaml or OUTCOMEBOT_DATABASE_URL to sqlite:///FILE or postgresql://…")
        return
    yield ok("configuration", f"{path} is valid")
    try:
        database = await _database(runtime)
        yield database
        if not database.ok:
            return
        async with runtime.db.session() as session:
            for finding in await _organisation(runtime, session):
                yield finding
            for name in _platforms(runtime):
                module = importlib.import_module(f"bot.{name}.doctor")
                for finding in await module.checks(runtime, session):
                    yield finding
        if runtime.config.web.public_url:
            yield await _public_url(runtime.config.web.public_url)
    finally:
        await runtime.close()


def _platforms(runtime: Runtime) -> list[str]:
    secrets = runtime.secrets
    slack = secrets.slack_enabled or secrets.slack_signing_secret is not None or secrets.slack_app_token is not None
    teams = secrets.teams_enabled or secrets.teams_app_password is not None or secrets.teams_app_tenant_id is not None
    return [name for name, on in (("slack", slack), ("teams", teams)) if on]


async def _database(runtime: Runtime) -> Finding:
    url = runtime.config.resolved_database_url
    shown = make_url(url).render_as_string(hide_password=True)
    if runtime.db.is_sqlite:
        database = make_url(url).database or ""
        if database and database != ":memory:" and not Path(database).exists():
            return problem("database", f"{shown} does not exist yet",
                           "run `outcomebot db upgrade` (or `outcomebot init`)")
    try:
        behind = await migrate.migrations_behind(runtime.db.engine)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return problem("database", f"cannot reach {shown}: {reason}",
                       "check database_url / OUTCOMEBOT_DATABASE_URL and that the database server is running")
    if behind:
        return problem("database", f"{shown} is reachable but its migrations are behind ({', '.join(sorted(behind))} "
                       "not applied)", "run `outcomebot db upgrade`")
    return ok("database", f"{shown} is reachable and its migrations are current")


async def _organisation(runtime: Runtime, session) -> list[Finding]:
    findings = []
    people = await count_people(session)
    findings.append(ok("people", f"{people} imported") if people else
                    problem("people", "nobody is imported yet", "`outcomebot import people.csv` (see the README's "
                            "\"Import your organisation\")"))
    key_results = await count_key_results(session)
    findings.append(ok("key results", f"{key_results} imported") if key_results else
                    problem("key results", "no OKRs are imported yet", "`outcomebot import okrs.yaml`"))
    secrets = runtime.secrets
    if not (secrets.slack_enabled or secrets.teams_enabled):
        findings.append(problem(
            "chat platform", "neither Slack nor Teams is configured (only the terminal adapter works)",
            "for Slack set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode); for Teams "
            "set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_APP_TENANT_ID — see docs/deploy.md"))
        return findings
    unreachable = await people_without_chat_identity(session, slack=secrets.slack_enabled, teams=secrets.teams_enabled)
    if unreachable:
        how = []
        if secrets.slack_enabled:
            how.append("run `outcomebot slack sync` (or fill slack_user_id in people.csv)")
        if secrets.teams_enabled:
            how.append("have them open the bot in Teams (or install the app for them from the Teams admin center)")
        findings.append(problem("chat identities", f"{len(unreachable)} active people cannot be reached: "
                                f"{names(unreachable)}", "; ".join(how)))
    elif people:
        findings.append(ok("chat identities", "every active person can be reached"))
    return findings


async def _public_url(public_url: str) -> Finding:
    url = public_url.rstrip("/") + "/healthz"
    try:
        async with http_session() as client, client.get(url, allow_redirects=False) as response:
            status = response.status
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return problem("public URL", f"{url} did not answer ({type(exc).__name__}: {exc})",
                       "check DNS, TLS and the reverse proxy in front of `outcomebot serve` (docs/deploy.md)")
    if status != 200:
        return problem("public URL", f"{url} answered HTTP {status}",
                       "the reverse proxy must pass /healthz to `outcomebot serve` (docs/deploy.md)")
    return ok("public URL", f"{url} answers")
