"""What every chat adapter needs, written once below them: de-duplicating platform retries,
reading Retry-After, and the send-rate windows."""

from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.dedupe import ProcessedEvents
from bot.retry_after import retry_after_seconds
from cadences.notifier import RetryLater
from cadences.rate_limits import RateLimiter, SlidingWindow

ROOT = Path(__file__).resolve().parent.parent
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


async def test_a_redelivered_event_is_answered_once_but_a_failed_one_is_worked_on_again(db) -> None:
    processed = ProcessedEvents(db, source="fake", clock=lambda: RECEIVED)
    answers: list[str] = []

    async def answer() -> str:
        answers.append("answered")
        return "done"

    async def fail() -> str:
        raise RuntimeError("database went away")

    assert await processed.once("fake:1", answer) == "done"
    assert await processed.once("fake:1", answer) is None  # the platform's retry
    with pytest.raises(RuntimeError):
        await processed.once("fake:2", fail)
    assert await processed.once("fake:2", answer) == "done"  # the retry after a failure is worked on
    assert await processed.once(None, answer) == "done"  # no key from the platform: always answered
    assert answers == ["answered"] * 3


@pytest.mark.parametrize("headers", [
    {"Retry-After": "30"},  # the Bot Framework client's mapping
    {"retry-after": ["30"]},  # slack_sdk's lists of values
    {"Retry-After": "Mon, 02 Mar 2026 09:00:30 GMT"},  # an HTTP date
])
def test_retry_after_says_thirty_seconds_however_the_platform_writes_it(headers) -> None:
    assert retry_after_seconds(headers, clock=lambda: RECEIVED) == pytest.approx(30.0)


@pytest.mark.parametrize("headers", [None, {}, {"Retry-After": "soon"}, {"Retry-After": []}])
def test_no_readable_retry_after_leaves_the_wait_to_the_outbox_backoff(headers) -> None:
    assert retry_after_seconds(headers, clock=lambda: RECEIVED) is None


def test_a_past_retry_after_date_means_try_now_not_a_negative_wait() -> None:
    assert retry_after_seconds({"Retry-After": "Mon, 02 Mar 2026 08:59:00 GMT"}, clock=lambda: RECEIVED) == 0.0


def test_conversations_idle_for_a_whole_window_are_forgotten_so_the_limiter_does_not_grow() -> None:
    window = SlidingWindow(7)
    for n in range(1000):
        window.next_free(f"conversation-{n}", 100.0)
        window.reserve(f"conversation-{n}", 100.0)
    assert len(window) == 1000
    assert window.next_free("conversation-new", 101.5) == 101.5
    assert len(window) == 0


def test_a_platform_cap_of_two_per_second_spaces_a_third_send() -> None:
    window = SlidingWindow.per_second(2)
    for _ in range(2):
        window.reserve("console", window.next_free("console", 10.0))
    assert window.next_free("console", 10.0) == pytest.approx(11.0)
    assert SlidingWindow.per_second(0.5).window == pytest.approx(2.0)


async def test_a_wait_longer_than_allowed_goes_back_to_the_outbox_with_its_retry_after() -> None:
    limiter = RateLimiter((SlidingWindow(1),), max_wait=0.5, reason="busy", clock=lambda: 5.0)
    await limiter.acquire("c")
    with pytest.raises(RetryLater) as raised:
        await limiter.acquire("c")
    assert raised.value.retry_after == pytest.approx(1.0) and raised.value.reason == "busy"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
    return found | {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}


def test_the_console_adapter_never_imports_the_test_fake() -> None:
    for path in sorted((ROOT / "bot" / "console").rglob("*.py")):
        assert not any(name == "bot.fake" or name.startswith("bot.fake.") for name in _imported_modules(path)), path


def test_the_ticker_names_no_chat_adapter() -> None:
    imported = _imported_modules(ROOT / "bot" / "ticker.py")
    assert not [name for name in imported if name.split(".")[:2] in (["bot", "console"], ["bot", "slack"], ["bot", "teams"])]


def test_each_adapter_shows_intents_through_the_one_loop() -> None:
    for adapter in ("bot/slack/intents.py", "bot/teams/activity_handler.py", "bot/console/session.py", "bot/fake.py"):
        assert "bot.answers" in _imported_modules(ROOT / adapter), adapter
