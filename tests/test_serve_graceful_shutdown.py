"""SIGTERM while messages are being sent: `serve` lets sends under way finish within
`shutdown_grace_seconds`, starts nothing new, puts everything else back in the queue (nothing
stays leased) and exits 0. A real `serve` process against the local fake Slack."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from messages.samples import sample_context
from tests.fake_slack import FakeSlack
from tests.test_serve_shutdown import ROOT, _free_port, _healthy

MESSAGES = 40


class SlackInAThread:
    """The fake Slack on an event loop of its own, so a test can drive a child process meanwhile."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake: FakeSlack = self.run(FakeSlack().start())
        self.held = self.fake.hold("chat.postMessage")

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    def posts(self) -> int:
        return len(self.fake.calls_to("chat.postMessage"))

    def release(self) -> None:
        self.loop.call_soon_threadsafe(self.held.set)

    def close(self) -> None:
        self.release()
        self.run(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def slack() -> Iterator[SlackInAThread]:
    fake = SlackInAThread()
    yield fake
    fake.close()


def _queue_messages(database: Path) -> None:
    from storage.migrate import upgrade

    upgrade(f"sqlite:///{database}")
    context = json.dumps(sample_context("help"))
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO person (email, name, timezone, country, is_admin, active, created_at, slack_user_id)"
            " VALUES (?, ?, 'Europe/Berlin', 'DE', 0, 1, '2000-01-01 00:00:00.000000', ?)",
            [(f"p{n}@example.com", f"Person {n}", f"U{n:05d}") for n in range(MESSAGES)])
        connection.executemany(
            "INSERT INTO delivery (idempotency_key, person_id, platform, address, template, context, status,"
            " attempts, next_attempt_at, created_at) VALUES (?, ?, 'slack', ?, 'help', ?, 'pending', 0,"
            " '2000-01-01 00:00:00.000000', '2000-01-01 00:00:00.000000')",
            [(f"help:{n}", n + 1, f"U{n:05d}", context) for n in range(MESSAGES)])


def _statuses(database: Path) -> dict[tuple[str, bool], int]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT status, claimed_until IS NOT NULL, count(*) FROM delivery GROUP BY 1, 2").fetchall()
    return {(status, leased == 1): count for status, leased, count in rows}


def _serve_until_sending(tmp_path: Path, slack: SlackInAThread, grace: float) -> tuple[subprocess.Popen, Path]:
    database = tmp_path / "outcomebot.db"
    _queue_messages(database)
    config = tmp_path / "app.yaml"
    config.write_text(f"database_url: sqlite:///{database}\norganisation: {{country: DE}}\n"
                      f"shutdown_grace_seconds: {grace}\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "TEAMS_", "OUTCOMEBOT_"))}
    env |= {"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": "xoxb-fake", "SLACK_SIGNING_SECRET": "shh",
            "OUTCOMEBOT_SLACK_API_URL": slack.fake.api_url}
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--config", str(config), "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # up to a minute: started, and its first tick is sending (the sends are held)
        if server.poll() is not None or (_healthy(port) and slack.posts() >= 4):
            break
        time.sleep(0.1)
    assert server.poll() is None, server.communicate()[1]
    assert slack.posts() >= 4
    return server, database


def _stop(server: subprocess.Popen, *, signalled: bool = False) -> str:
    if not signalled:
        server.send_signal(signal.SIGTERM)
    try:
        _out, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    return err


def test_sends_that_outlast_the_grace_period_are_put_back_in_the_queue_and_serve_exits_zero(tmp_path, slack) -> None:
    server, database = _serve_until_sending(tmp_path, slack, grace=1)
    err = _stop(server)  # Slack never answers the sends under way
    assert server.returncode == 0, err
    assert "Traceback" not in err and " ERROR " not in err, err
    assert "grace period" in err
    assert _statuses(database) == {("pending", False): MESSAGES}  # nothing left leased, nothing lost


def test_sends_under_way_at_sigterm_finish_and_nothing_new_starts(tmp_path, slack) -> None:
    server, database = _serve_until_sending(tmp_path, slack, grace=30)
    started = slack.posts()
    server.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    slack.release()  # Slack answers the sends that were under way
    err = _stop(server, signalled=True)
    assert server.returncode == 0, err
    assert "Traceback" not in err and " ERROR " not in err, err
    assert slack.posts() == started  # no send started after SIGTERM
    assert _statuses(database) == {("sent", False): started, ("pending", False): MESSAGES - started}
