"""`outcomebot token create|list|revoke` as an admin runs them, and the token at the API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from typer.testing import CliRunner

from bot import api
from bot.cli import app
from storage.db import Database


@pytest.fixture
def config_file(tmp_path: Path, sqlite_url: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(f"database_url: {sqlite_url}\n", encoding="utf-8")
    return path


def outcomebot(config_file: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--config", str(config_file)])


async def test_a_created_token_is_shown_once_listed_without_its_secret_and_stops_working_when_revoked(
    config_file: Path, sqlite_url: str
) -> None:
    def outcomebot(*args):  # the CLI runs its own event loop: give it a thread
        return CliRunner().invoke(app, [*args, "--config", str(config_file)])

    async def cli(*args):
        return await asyncio.to_thread(outcomebot, *args)

    created = await cli("token", "create", "bi-export", "--scope", "key-results:read")
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("obt_") and len(secret) > 40
    listed = await cli("token", "list")
    assert "bi-export  key-results:read" in listed.output and "never used" in listed.output
    assert secret not in listed.output

    db = Database(sqlite_url)
    web_app = web.Application()
    api.mount(web_app, db)
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        assert (await client.get("/api/v1/key-results", headers=headers)).status == 200
        assert "last used 20" in (await cli("token", "list")).output
        revoked = await cli("token", "revoke", "bi-export")
        assert revoked.exit_code == 0 and "revoked" in revoked.output
        assert (await client.get("/api/v1/key-results", headers=headers)).status == 401
    await db.dispose()
    assert "revoked" in (await cli("token", "list")).output


def test_token_mistakes_get_a_clear_message(config_file: Path) -> None:
    assert outcomebot(config_file, "token", "create", "sync", "--scope", "key-results:write").exit_code == 0
    again = outcomebot(config_file, "token", "create", "sync", "--scope", "key-results:write")
    assert again.exit_code == 1 and "exists already" in again.output
    unknown = outcomebot(config_file, "token", "revoke", "nope")
    assert unknown.exit_code == 1 and "token list" in unknown.output
    bad_scope = outcomebot(config_file, "token", "create", "x", "--scope", "everything")
    assert bad_scope.exit_code == 2 and "Traceback" not in bad_scope.output
    too_long = outcomebot(config_file, "token", "create", "x" * 121, "--scope", "admin")
    assert too_long.exit_code == 1 and "at most 120 characters" in too_long.output
    empty = outcomebot(config_file, "token", "list")
    assert "sync  key-results:write" in empty.output
