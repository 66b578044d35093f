"""The SQLite write gate: one writer at a time within this process, in order, with urgent writes first.

Owns the in-process queue in front of SQLite's single write lock. SQLite lets one transaction write at a
time; when several connections want the lock together, each polls under its busy timeout with growing
sleeps (up to 100 ms a try), so under load a short write can wait a second or more, and not in arrival
order. Queuing writers here instead hands the lock over the moment it is free, first come first served,
except that urgent writes (recording a platform delivery before it is acknowledged, which Slack wants
within 3 seconds) go ahead of the queue. The busy timeout still covers other processes (the CLI).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["WriteGate"]

URGENT, NORMAL = 0, 1


class WriteGate:
    def __init__(self) -> None:
        self._busy = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def hold(self, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(URGENT if urgent else NORMAL)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, priority: int) -> None:
        if not self._busy and not self._waiters:
            self._busy = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the gate was handed to us just as we were cancelled: pass it on
            raise

    def _release(self) -> None:
        while self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():
                waiter.set_result(None)  # the gate passes straight to the next writer; _busy stays True
                return
        self._busy = False
