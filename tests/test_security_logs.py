"""Verbose logging shows debug detail but never people's words, and app.yaml's `log_level` is used."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.logging_setup import CONTENT_LOGGERS
from storage.models import Win
from tests.slack_harness import SlackRig, rig  # noqa: F401  (fixture)

MARKER = "zebra-7Q-marker shipped the Acme rollout"
runner = CliRunner()


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logging_restored():
    names = ["", "alembic", *CONTENT_LOGGERS]
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = {id(h): list(h.filters) for h in logging.getLogger().handlers}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for handler in logging.getLogger().handlers:
        handler.filters[:] = handlers.get(id(handler), [])


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text("organisation: {name: X}\n", encoding="utf-8")
    return path


async def test_verbose_mode_never_logs_what_people_wrote(rig: SlackRig, config_file, logging_restored) -> None:
    started = await asyncio.to_thread(runner.invoke, app, ["-v", "status", "--config", str(config_file)])
    assert started.exit_code == 0, started.output  # what -v sets up
    assert logging.getLogger().isEnabledFor(logging.DEBUG)
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)
    try:
        await rig.command("UALICE", "/win", MARKER)
        await rig.bot.settle()
        async with rig.db.session() as session:
            win = (await session.exec(select(Win))).one()
        await rig.click("UALICE", "win.approve", str(win.id))
        await rig.bot.settle()
        await rig.tick(rig.bot.clock())
    finally:
        logging.getLogger().removeHandler(recorder)
    assert any(MARKER in str(call.args) for call in rig.fake.calls), "the win was not sent anywhere"
    assert any(r.levelno == logging.DEBUG for r in recorder.records)  # debug detail is still logged
    leaked = [f"{r.name}: {r.getMessage()[:120]}" for r in recorder.records if "zebra-7Q" in r.getMessage()]
    assert leaked == []


def test_log_level_from_app_yaml_is_used_and_verbose_wins_over_it(config_file, logging_restored) -> None:
    config_file.write_text("log_level: WARNING\n", encoding="utf-8")
    assert runner.invoke(app, ["status", "--config", str(config_file)]).exit_code == 0
    assert logging.getLogger().level == logging.WARNING
    assert not logging.getLogger("bot.server").isEnabledFor(logging.INFO)
    assert runner.invoke(app, ["--verbose", "status", "--config", str(config_file)]).exit_code == 0
    assert logging.getLogger().level == logging.DEBUG


def test_a_debug_log_level_in_app_yaml_keeps_the_libraries_that_log_bodies_at_info(config_file, logging_restored) -> None:
    config_file.write_text("log_level: DEBUG\n", encoding="utf-8")
    assert runner.invoke(app, ["status", "--config", str(config_file)]).exit_code == 0
    assert logging.getLogger("bot.router").isEnabledFor(logging.DEBUG)
    for name in ("slack_sdk.webhook.async_client", "slack_sdk.web.async_base_client", "msrest.http_logger",
                 "aiosqlite", "sqlalchemy.engine.Engine"):
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
