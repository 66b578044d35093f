"""The SQLite write gate: one writer at a time, first come first served, urgent writes ahead of the queue,
and a writer cancelled while queued never leaves the gate stuck."""

from __future__ import annotations

import asyncio

import pytest

from storage.gate import WriteGate


async def test_writers_take_turns_in_order_with_urgent_ones_first():
    gate = WriteGate()
    order: list[str] = []
    inside = 0

    async def writer(name: str, urgent: bool = False) -> None:
        nonlocal inside
        async with gate.hold(urgent):
            inside += 1
            assert inside == 1, "two writers inside the gate"
            order.append(name)
            await asyncio.sleep(0.01)
            inside -= 1

    first = asyncio.create_task(writer("first"))
    await asyncio.sleep(0)  # first is inside
    queued = [asyncio.create_task(writer(f"n{i}")) for i in range(3)]
    await asyncio.sleep(0)
    urgent = asyncio.create_task(writer("urgent", urgent=True))
    await asyncio.gather(first, urgent, *queued)
    assert order == ["first", "urgent", "n0", "n1", "n2"]


async def test_a_cancelled_waiter_does_not_block_the_gate():
    gate = WriteGate()
    release = asyncio.Event()

    async def holder() -> None:
        async with gate.hold():
            await release.wait()

    async def waiter() -> None:
        async with gate.hold():
            pass

    h = asyncio.create_task(holder())
    await asyncio.sleep(0)
    w = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    w.cancel()
    release.set()
    await h
    with pytest.raises(asyncio.CancelledError):
        await w
    await asyncio.wait_for(waiter(), timeout=1)  # the gate is free again


async def test_an_error_inside_releases_the_gate():
    gate = WriteGate()
    with pytest.raises(RuntimeError):
        async with gate.hold():
            raise RuntimeError("boom")
    await asyncio.wait_for(gate.hold().__aenter__(), timeout=1)
