"""`outcomebot doctor` tells an admin what is wrong with their setup and what to do about it.

Slack and Entra ID / the Bot Framework are the local fakes in tests/; every failure mode an
admin meets on a first install has its own test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from typer.testing import CliRunner

from bot.cli import app
from bot.doctor import Finding, diagnose
from storage import migrate
from storage.db import Database
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack
from tests.orgchart import make_org

APP_ID = "00000000-0000-4000-8000-0000000000aa"
TENANT = "11111111-0000-4000-8000-0000000000bb"
runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith(("SLACK_", "TEAMS_", "OUTCOMEBOT_")):
            monkeypatch.delenv(name)
    return monkeypatch


def write_config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(f"database_url: {url}\norganisation: {{country: DE}}\n{extra}", encoding="utf-8")
    return path


async def findings(config: Path) -> dict[str, Finding]:
    return {finding.check: finding async for finding in diagnose(config)}


@pytest.fixture
async def org(sqlite_url: str) -> str:
    db = Database(sqlite_url)
    try:
        await make_org(db)
    finally:
        await db.dispose()
    return sqlite_url


@pytest.fixture
async def slack(clean_environment) -> FakeSlack:
    fake = await FakeSlack().start()
    clean_environment.setenv("SLACK_BOT_TOKEN", "xoxb-fake")
    clean_environment.setenv("SLACK_SIGNING_SECRET", "shh")
    clean_environment.setenv("OUTCOMEBOT_SLACK_API_URL", fake.api_url)
    yield fake
    await fake.stop()


@pytest.fixture
async def teams(clean_environment) -> FakeConnector:
    fake = await FakeConnector(app_passwords={APP_ID: "s3cret"}, tenants={TENANT, "botframework.com"}).start()
    clean_environment.setenv("TEAMS_APP_ID", APP_ID)
    clean_environment.setenv("TEAMS_APP_PASSWORD", "s3cret")
    clean_environment.setenv("TEAMS_APP_TENANT_ID", TENANT)
    clean_environment.setenv("OUTCOMEBOT_TEAMS_LOGIN_URL", fake.url)
    yield fake
    await fake.close()


def problems(found: dict[str, Finding]) -> dict[str, Finding]:
    return {check: finding for check, finding in found.items() if not finding.ok}


# -- a fresh install ---------------------------------------------------------------------------

def test_doctor_after_a_fresh_init_lists_exactly_what_is_missing_and_how_to_fix_it(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    result = runner.invoke(app, ["doctor", "--config", str(config)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("PROBLEM")] == [
        "PROBLEM  people", "PROBLEM  key results", "PROBLEM  chat platform"]
    assert "outcomebot import people.csv" in result.stdout and "outcomebot import okrs.yaml" in result.stdout
    assert "SLACK_BOT_TOKEN" in result.stdout and "TEAMS_APP_ID" in result.stdout
    assert any(line.startswith("ok       configuration") for line in lines)
    assert any(line.startswith("ok       database") and "migrations are current" in line for line in lines)
    assert "3 problems found." in result.stderr


def test_doctor_without_an_app_yaml_says_to_run_init(tmp_path: Path) -> None:
    result = runner.invoke(app, ["doctor", "--config", str(tmp_path / "app.yaml")])
    assert result.exit_code == 1
    assert "does not exist" in result.stdout and "outcomebot init" in result.stdout


def test_doctor_names_the_key_an_invalid_app_yaml_gets_wrong(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("organisation: {timezone: Mars/Base}\n", encoding="utf-8")
    result = runner.invoke(app, ["doctor", "--config", str(config)])
    assert result.exit_code == 1
    assert "PROBLEM  configuration" in result.stdout and "organisation.timezone" in result.stdout


async def test_doctor_reports_migrations_behind_and_says_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0003")
    found = await findings(write_config(tmp_path, url))
    assert not found["database"].ok
    assert "migrations are behind" in found["database"].detail and "db upgrade" in found["database"].fix
    assert "people" not in found  # nothing else is asked of a database in that state


async def test_doctor_reports_an_unreachable_database_without_its_password(tmp_path: Path) -> None:
    found = await findings(write_config(tmp_path, "postgresql://bot:hunter2@127.0.0.1:1/outcomebot"))
    assert not found["database"].ok and "cannot reach" in found["database"].detail
    assert "hunter2" not in found["database"].detail


async def test_doctor_reports_a_sqlite_file_that_was_never_created(tmp_path: Path) -> None:
    found = await findings(write_config(tmp_path, f"sqlite:///{tmp_path / 'missing.db'}"))
    assert "does not exist yet" in found["database"].detail
    assert not (tmp_path / "missing.db").exists()  # the doctor looks, it does not create


# -- Slack -------------------------------------------------------------------------------------

async def test_a_working_slack_setup_passes_and_people_without_a_slack_id_are_named(tmp_path, org, slack) -> None:
    slack.channels["CPLAT"] = {"name": "platform", "is_member": True}
    found = await findings(write_config(tmp_path, org, "channels: {teams: {Platform: {slack: CPLAT}}}\n"))
    assert found["Slack token"].ok and "every scope" in found["Slack token"].detail
    assert found["Slack signing secret"].ok
    assert found["Slack channel of Platform"].ok and "#platform" in found["Slack channel of Platform"].detail
    assert set(problems(found)) == {"chat identities"}
    unreachable = found["chat identities"]
    assert "6 active people" in unreachable.detail and "bob@x.com" in unreachable.detail
    assert "outcomebot slack sync" in unreachable.fix
    assert slack.calls_to("auth.test") and slack.calls_to("conversations.info")


async def test_an_invalid_slack_token_is_a_problem(tmp_path, org, slack) -> None:
    slack.fail_next("auth.test", "invalid_auth")
    found = await findings(write_config(tmp_path, org))
    assert "invalid_auth" in found["Slack token"].detail and "SLACK_BOT_TOKEN" in found["Slack token"].fix


async def test_a_slack_token_missing_manifest_scopes_says_to_reinstall(tmp_path, org, slack) -> None:
    slack.scopes = ["chat:write", "commands"]
    found = await findings(write_config(tmp_path, org))
    token = found["Slack token"]
    assert not token.ok
    assert "missing scopes: channels:read, im:history, users:read, users:read.email" in token.detail
    assert "Reinstall" in token.fix


async def test_http_mode_without_a_signing_secret_is_a_problem(tmp_path, org, slack, clean_environment) -> None:
    clean_environment.delenv("SLACK_SIGNING_SECRET")
    found = await findings(write_config(tmp_path, org))
    assert not found["Slack signing secret"].ok and "SLACK_SIGNING_SECRET" in found["Slack signing secret"].fix


async def test_a_socket_mode_token_that_slack_refuses_is_a_problem(tmp_path, org, slack, clean_environment) -> None:
    clean_environment.setenv("SLACK_APP_TOKEN", "xapp-fake")
    found = await findings(write_config(tmp_path, org))
    assert found["Slack Socket Mode"].ok
    slack.fail_next("apps.connections.open", "invalid_auth")
    found = await findings(write_config(tmp_path, org))
    assert not found["Slack Socket Mode"].ok and "connections:write" in found["Slack Socket Mode"].fix


async def test_a_signing_secret_without_a_bot_token_is_a_problem(tmp_path, org, clean_environment) -> None:
    clean_environment.setenv("SLACK_SIGNING_SECRET", "shh")
    found = await findings(write_config(tmp_path, org))
    assert not found["Slack token"].ok and "xoxb-" in found["Slack token"].fix


@pytest.mark.parametrize(("channel", "expected", "fix"), [
    (None, "does not exist", "channels.teams.Platform.slack"),
    ({"name": "platform", "is_member": False}, "the bot is not in it", "/invite @OutcomeBot"),
    ({"name": "platform", "is_member": True, "is_archived": True}, "is archived", "unarchive"),
], ids=["missing", "bot not invited", "archived"])
async def test_a_team_channel_the_bot_cannot_post_in_is_a_problem(tmp_path, org, slack, channel, expected, fix) -> None:
    if channel:
        slack.channels["CPLAT"] = channel
    found = await findings(write_config(tmp_path, org, "channels: {teams: {Platform: {slack: CPLAT}}}\n"))
    finding = found["Slack channel of Platform"]
    assert expected in finding.detail and fix in finding.fix


# -- Teams -------------------------------------------------------------------------------------

async def _install_in_channel(url: str, channel: str, service_url: str) -> None:
    from sqlmodel import select

    from storage.models import Team
    from tests.channel_helpers import set_channels

    db = Database(url)
    try:
        async with db.transaction() as session:
            team = (await session.exec(select(Team).where(Team.name == "Platform"))).one()
            await set_channels(session, team.id, teams_channel_ref={
                "serviceUrl": service_url, "conversation": {"id": channel, "tenantId": TENANT}})
    finally:
        await db.dispose()


async def test_working_teams_credentials_obtain_a_token_and_the_channel_is_checked(tmp_path, org, teams) -> None:
    teams.channels.add("19:platform@thread.tacv2")
    await _install_in_channel(org, "19:platform@thread.tacv2", teams.url)
    found = await findings(write_config(tmp_path, org, "channels: {teams: {Platform: {teams: '19:platform@thread.tacv2'}}}\n"))
    assert found["Teams token"].ok and found["Teams tenant"].ok
    assert found["Teams channel of Platform"].ok
    assert "have them open the bot in Teams" in found["chat identities"].fix


@pytest.mark.parametrize(("change", "expected", "fix"), [
    ({"TEAMS_APP_PASSWORD": "wrong"}, "AADSTS7000215", "New client secret"),
    ({"TEAMS_APP_ID": "99999999-0000-4000-8000-000000000000"}, "AADSTS700016", "Microsoft App ID"),
    ({"TEAMS_APP_TENANT_ID": "22222222-0000-4000-8000-000000000000"}, "AADSTS90002", "Directory (tenant) ID"),
], ids=["wrong secret", "unknown app", "unknown tenant"])
async def test_teams_credentials_entra_id_refuses_are_a_problem(tmp_path, org, teams, clean_environment,
                                                                 change, expected, fix) -> None:
    for name, value in change.items():
        clean_environment.setenv(name, value)
    found = await findings(write_config(tmp_path, org))
    assert not found["Teams token"].ok
    assert expected in found["Teams token"].detail and fix in found["Teams token"].fix


async def test_teams_without_a_tenant_or_password_is_a_problem(tmp_path, org, teams, clean_environment) -> None:
    clean_environment.delenv("TEAMS_APP_TENANT_ID")
    found = await findings(write_config(tmp_path, org))
    assert not found["Teams tenant"].ok and "TEAMS_APP_TENANT_ID" in found["Teams tenant"].fix
    assert found["Teams token"].ok  # multi-tenant apps get their token from botframework.com
    found = await findings(write_config(tmp_path, org, f"teams: {{allowed_tenants: ['{TENANT}']}}\n"))
    assert found["Teams tenant"].ok and TENANT in found["Teams tenant"].detail
    clean_environment.delenv("TEAMS_APP_PASSWORD")
    found = await findings(write_config(tmp_path, org))
    assert "TEAMS_APP_PASSWORD is not set" in found["Teams token"].detail


async def test_a_teams_channel_the_bot_is_not_installed_in_or_was_removed_from_is_a_problem(tmp_path, org, teams) -> None:
    config = write_config(tmp_path, org, "channels: {teams: {Platform: {teams: '19:platform@thread.tacv2'}}}\n")
    found = await findings(config)
    assert "has not been installed" in found["Teams channel of Platform"].detail
    await _install_in_channel(org, "19:platform@thread.tacv2", teams.url)  # installed once, then removed
    found = await findings(config)
    assert "removed" in found["Teams channel of Platform"].detail
    assert "Upload an app" in found["Teams channel of Platform"].fix


# -- the public URL ----------------------------------------------------------------------------

async def test_a_public_url_that_answers_healthz_passes_and_one_that_does_not_is_a_problem(tmp_path, org) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    health = web.Application()
    health.router.add_get("/healthz", healthz)
    runner_ = web.AppRunner(health)
    await runner_.setup()
    site = web.TCPSite(runner_, "127.0.0.1", 0)
    await site.start()
    port = runner_.addresses[0][1]
    try:
        found = await findings(write_config(tmp_path, org, f"web: {{public_url: 'http://127.0.0.1:{port}/'}}\n"))
        assert found["public URL"].ok
    finally:
        await runner_.cleanup()
    found = await findings(write_config(tmp_path, org, f"web: {{public_url: 'http://127.0.0.1:{port}'}}\n"))
    assert not found["public URL"].ok and "did not answer" in found["public URL"].detail


async def test_people_reachable_on_either_platform_are_not_listed_on_either_database(any_db: Database) -> None:
    from sqlmodel import select

    from storage.models import Person
    from storage.repositories.setup_facts import people_without_chat_identity
    from tests.identity_helpers import link

    await make_org(any_db)
    async with any_db.transaction() as session:
        bob = (await session.exec(select(Person).where(Person.email == "bob@x.com"))).one()
        await link(session, bob.id, teams_conversation_ref={"conversation": {"id": "a:bob"}})
    async with any_db.session() as session:
        both = await people_without_chat_identity(session, by_id=["slack"], by_conversation=["teams"])
        slack_only = await people_without_chat_identity(session, by_id=["slack"])
    assert both == ["ada@x.com", "cora@x.com", "ivan@x.com", "oscar@x.com", "sam@x.com"]
    assert slack_only == ["ada@x.com", "bob@x.com", "cora@x.com", "ivan@x.com", "oscar@x.com", "sam@x.com"]


async def test_a_teams_password_without_an_app_id_is_a_problem(tmp_path, org, clean_environment) -> None:
    clean_environment.setenv("TEAMS_APP_PASSWORD", "s3cret")
    found = await findings(write_config(tmp_path, org))
    assert not found["Teams app id"].ok and "Microsoft App ID" in found["Teams app id"].fix
