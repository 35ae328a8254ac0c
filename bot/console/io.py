"""Where the terminal reads lines from and writes text to, so tests need no real stdin.

A reader is `async (prompt) -> str` that raises EOFError at end of input; a writer is
`(text) -> None`. `scripted` feeds given lines (and echoes them, so the output reads like a
terminal session); `terminal_reader` uses input() on a daemon thread so the event loop
keeps running and Ctrl-C never waits for a pending read.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterable

LineReader = Callable[[str], Awaitable[str]]
Writer = Callable[[str], None]


def scripted(lines: Iterable[str], output: list[str]) -> LineReader:
    """Read from `lines`, writing each prompt and typed line to `output`; EOFError after the last."""
    pending = iter(lines)

    async def read(prompt: str) -> str:
        try:
            line = next(pending)
        except StopIteration:
            output.append(prompt)
            raise EOFError from None
        output.append(prompt + line)
        return line

    return read


def terminal_reader() -> LineReader:
    async def read(prompt: str) -> str:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[str] = loop.create_future()

        def ask() -> None:
            try:
                line = input(prompt)
            except BaseException as exc:  # EOFError, KeyboardInterrupt: hand them to the loop
                loop.call_soon_threadsafe(_settle, answer, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, answer, line, None)

        threading.Thread(target=ask, daemon=True, name="console-input").start()
        return await answer

    return read


def _settle(future: asyncio.Future, value, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(EOFError() if isinstance(error, EOFError) else error)
    else:
        future.set_result(value)
