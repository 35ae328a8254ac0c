"""A wrong or unreachable database gives a plain message (password hidden), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app


@pytest.mark.parametrize("command", [["status"], ["tick"], ["db", "upgrade"]])
def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("database_url: postgresql://bob:s3cret@127.0.0.1:1/nope\n", encoding="utf-8")
    result = CliRunner().invoke(app, [*command, "--config", str(config)])
    assert result.exit_code == 1
    assert "Cannot open the database postgresql://bob:***@127.0.0.1:1/nope" in result.output
    assert "s3cret" not in result.output and "Traceback" not in result.output


def test_an_unsupported_database_says_which_urls_work(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("database_url: mysql://x@y/z\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 1
    assert "unsupported database 'mysql'" in result.output and "postgresql://" in result.output
