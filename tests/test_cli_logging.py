"""`--verbose` logs debug detail, but never the database driver's statement parameters (people's
check-in text)."""

from __future__ import annotations

import logging

from typer.testing import CliRunner

from bot.cli import app


def test_verbose_logging_keeps_the_database_drivers_parameters_out_of_the_log(tmp_path) -> None:
    root, aiosqlite_logger = logging.getLogger(), logging.getLogger("aiosqlite")
    before = root.level, aiosqlite_logger.level
    try:
        root.setLevel(logging.DEBUG)  # what --verbose gives a process whose logging is not set up yet
        aiosqlite_logger.setLevel(logging.NOTSET)
        result = CliRunner().invoke(app, ["--verbose", "init", "--config", str(tmp_path / "app.yaml")])
        assert result.exit_code == 0, result.output
        assert root.isEnabledFor(logging.DEBUG)  # other debug detail is still logged
        assert not aiosqlite_logger.isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(before[0])
        aiosqlite_logger.setLevel(before[1])
