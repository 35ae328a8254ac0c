"""Statements a batch starts early are all finished (or stopped) before its transaction ends."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from cadences.planner import _Overlapped

SQLITE = SimpleNamespace(postgres=False)


async def test_when_the_batch_fails_a_statement_still_running_is_stopped_before_the_transaction_ends() -> None:
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.sleep(60)

    with pytest.raises(RuntimeError, match="decide failed"):
        async with _Overlapped(SQLITE) as overlapped:
            task = await overlapped.start(slow())
            assert started.is_set()  # queued before the caller went on
            raise RuntimeError("decide failed")
    assert task.cancelled()


async def test_a_failed_statement_is_raised_only_after_the_others_have_finished() -> None:
    finished = []

    async def fails() -> None:
        raise ValueError("constraint")

    async def slower() -> None:
        await asyncio.sleep(0.01)
        finished.append("slower")

    with pytest.raises(ValueError, match="constraint"):
        async with _Overlapped(SQLITE) as overlapped:
            await overlapped.start(fails())
            await overlapped.start(slower())
    assert finished == ["slower"]


async def test_on_postgresql_each_statement_runs_to_its_end_before_the_next() -> None:
    order = []

    async def statement(name: str) -> str:
        await asyncio.sleep(0.001)
        order.append(name)
        return name

    async with _Overlapped(SimpleNamespace(postgres=True)) as overlapped:
        first = await overlapped.start(statement("first"))
        assert first.done() and order == ["first"]
        order.append("python")
        await overlapped.start(statement("second"))
    assert order == ["first", "python", "second"]
