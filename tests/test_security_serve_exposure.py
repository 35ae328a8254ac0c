"""What `serve` exposes: the unauthenticated Teams mode only on loopback, `/api/messages` only
when Teams is configured, and a real Teams bot only for the tenants it is told to serve."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from typer.testing import CliRunner

from bot.cli import app
from bot.loopback import is_loopback
from bot.runtime import Runtime
from bot.server import build_web_app, platform_mounts
from tests import teams_activities as act
from tests.orgchart import org_config
from tests.teams_harness import APP_ID, emulator_secrets, no_teams_env

runner = CliRunner()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch) -> Path:
    no_teams_env(monkeypatch)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "app.yaml"
    path.write_text("organisation: {name: X}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "outcomebot.example.com"])
def test_serve_refuses_to_open_the_unauthenticated_teams_mode_beyond_this_machine(config_file, monkeypatch, host) -> None:
    monkeypatch.setenv("OUTCOMEBOT_TEAMS_ALLOW_UNAUTHENTICATED", "true")
    result = runner.invoke(app, ["serve", "--config", str(config_file), "--host", host, "--port", "1"])
    assert result.exit_code == 1
    assert f"Refusing to listen on {host}" in result.output and "--host 127.0.0.1" in result.output
    assert "Serving on" not in result.output and "Traceback" not in result.output
    assert not (config_file.parent / "outcomebot.db").exists()  # it stopped before touching anything


def test_loopback_addresses_are_the_only_ones_the_unauthenticated_mode_accepts() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "::", "10.0.0.1", "example.com", ""))


def test_a_real_teams_bot_without_any_tenant_to_serve_does_not_start(config_file, monkeypatch) -> None:
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "not-a-real-password")
    result = runner.invoke(app, ["serve", "--config", str(config_file), "--port", "1"])
    assert result.exit_code == 1
    assert "TEAMS_APP_TENANT_ID" in result.output and "allowed_tenants" in result.output
    assert "Traceback" not in result.output


async def test_api_messages_does_not_exist_when_teams_is_not_configured(db) -> None:
    runtime = Runtime(config=org_config(), secrets=emulator_secrets(), db=db)
    web_app = build_web_app(runtime, mounts=platform_mounts(runtime), scheduler=False)
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    try:
        activity = act.personal_message("http://127.0.0.1:9/", act.user("29:eve", "aad-eve", "Eve"), "a:c", "okrs")
        response = await client.post("/api/messages", json=activity)
        assert response.status in (404, 405)
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()
