"""`outcomebot serve` stopped by SIGTERM (a deploy, `docker stop`) exits cleanly, even mid-tick."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 30_000  # enough that the first tick (planning everyone) is still running at SIGTERM


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _seed(database: Path, url: str) -> None:
    from storage.migrate import upgrade

    upgrade(url)
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO person (email, name, timezone, country, is_admin, active, created_at)"
            " VALUES (?, ?, 'Europe/Berlin', 'DE', 0, 1, '2026-01-01 00:00:00.000000')",
            [(f"p{n}@example.com", f"Person {n}") for n in range(PEOPLE)],
        )


def test_serve_stopped_with_sigterm_mid_tick_exits_zero_without_an_error(tmp_path: Path) -> None:
    database = tmp_path / "outcomebot.db"
    url = f"sqlite:///{database}"
    _seed(database, url)
    config = tmp_path / "app.yaml"
    config.write_text(f"database_url: {url}\norganisation: {{country: DE}}\n", encoding="utf-8")
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "TEAMS_", "OUTCOMEBOT_"))} | {"PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--config", str(config), "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for _ in range(600):  # up to a minute for the process to start listening
            if server.poll() is not None or _healthy(port):
                break
            try:
                server.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        assert server.poll() is None, server.stderr.read()
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert "Traceback" not in err and " ERROR " not in err, err
    with sqlite3.connect(database) as connection:  # the tick in progress was allowed to finish
        [(schedules,)] = connection.execute("SELECT count(*) FROM prompt_schedule").fetchall()
    assert schedules == 2 * PEOPLE  # weekly and monthly for everyone
