"""At the default level the log carries OutcomeBot's own lines, not library chatter."""

from __future__ import annotations

import logging

from typer.testing import CliRunner

from bot.cli import app
from bot.config import Secrets
from bot.router import Router
from bot.slack.app import SlackBot
from tests.orgchart import NOW, org_config


async def test_bolt_does_not_warn_about_the_token_at_every_start(db, monkeypatch, caplog) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")  # as in production: Bolt reads it too
    caplog.set_level(logging.INFO)
    config = org_config(slack_api_url="http://127.0.0.1:9/api/")
    secrets = Secrets(slack_bot_token="xoxb-from-env", slack_signing_secret="s", slack_app_token=None)
    bot = SlackBot(config=config, secrets=secrets, db=db, router=Router(config, db, clock=lambda: NOW), clock=lambda: NOW)
    try:
        assert not [r for r in caplog.records if "will be unused" in r.getMessage()]
    finally:
        await bot.close()


def test_scheduler_and_migration_chatter_stay_out_unless_verbose(tmp_path) -> None:
    config = str(tmp_path / "app.yaml")
    assert CliRunner().invoke(app, ["init", "--config", config]).exit_code == 0
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("alembic").getEffectiveLevel() == logging.WARNING
    assert CliRunner().invoke(app, ["--verbose", "status", "--config", config]).exit_code == 0
    assert logging.getLogger("apscheduler").level == logging.NOTSET  # --verbose: everything, as asked
