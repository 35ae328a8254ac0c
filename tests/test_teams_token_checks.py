"""Bot Framework token checks run on a thread of their own: a slow key fetch there holds up
neither the server's event loop nor, past its limit, the request waiting for it."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.teams.signing_keys import SigningKeysTimeout, TokenChecks


async def test_a_check_that_blocks_its_thread_leaves_the_server_loop_answering() -> None:
    checks = TokenChecks(timeout=5)
    release = threading.Event()

    async def blocking_fetch() -> str:
        release.wait(2)  # botbuilder's synchronous requests.get, inside its async check
        return threading.current_thread().name

    check = asyncio.create_task(checks.run(blocking_fetch))
    started = time.monotonic()
    await asyncio.sleep(0.05)  # the server's loop still turns while the check's thread is blocked
    assert time.monotonic() - started < 1 and not check.done()
    release.set()
    assert await check == "teams-token-checks"


async def test_a_check_that_waits_too_long_for_signing_keys_is_given_up_as_unavailable() -> None:
    checks = TokenChecks(timeout=0.2)

    async def slow_fetch() -> None:
        await asyncio.sleep(5)

    with pytest.raises(SigningKeysTimeout):
        await checks.run(slow_fetch)
