"""The parts of benchmarks/soak.py that are not the traffic: the bot's processes, what is sampled of them, and how
a run is judged (unit-tested in tests/test_soak.py): per-process samples read from /proc (Linux), the flatness
verdict of a sampled series, and the ledger of what was acknowledged against what arrived."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Ledger", "Proc", "Series", "children", "fds", "free_port", "lost_and_doubled", "rss_mb"]

ROOT = Path(__file__).resolve().parents[1]

# after the warm-up, the last sample may exceed the first by this much and still be "flat"
RSS_GROWTH, RSS_SLACK_MB, FD_GROWTH, CONN_GROWTH = 1.25, 40.0, 10, 3


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """The processes `pid` started (the compute pool's spawned processes)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def fds(pid: int) -> list[str]:
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    return found


@dataclass
class Series:
    """One process lifetime's samples of one metric."""

    name: str
    values: list[float] = field(default_factory=list)

    def verdict(self, warmup: int) -> tuple[bool, str]:
        steady = self.values[warmup:] or self.values
        if not steady:
            return True, f"{self.name}: no samples"
        first, last, top = steady[0], steady[-1], max(steady)
        if self.name.endswith("rss MB"):  # the process's, or its compute processes' together
            ok = last <= max(first * RSS_GROWTH, first + RSS_SLACK_MB)
        elif self.name.endswith("fds"):
            ok = last <= first + FD_GROWTH
        else:
            ok = last <= first + CONN_GROWTH
        return ok, f"{self.name}: first {first:.0f}, last {last:.0f}, max {top:.0f}: {'flat' if ok else 'GROWING'}"


@dataclass
class Ledger:
    cards: dict[tuple[str, str], int] = field(default_factory=dict)  # (slack channel or "teams", question) -> n
    likes: set[tuple[str, str, str]] = field(default_factory=set)  # (channel, card id, user)
    comments: set[tuple[str, str, str]] = field(default_factory=set)  # (channel, card id, reply ts)
    acks: list[tuple[float, float]] = field(default_factory=list)  # (when, seconds)
    refused: int = 0


def lost_and_doubled(ledger: Ledger, cards: dict, likes: set, comments: set) -> list[str]:
    """What was acknowledged but is missing (or shown more than once)."""
    problems = []
    for key, expected in sorted(ledger.cards.items()):
        if cards.get(key, 0) != expected:
            problems.append(f"card {key}: {cards.get(key, 0)} shown, {expected} acknowledged")
    problems += [f"like {like} missing" for like in sorted(ledger.likes - likes)]
    problems += [f"comment {c} missing" for c in sorted(ledger.comments - comments)]
    return problems


class Proc:
    def __init__(self, role: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.role, self.args, self.env, self.log = role, args, env, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> Proc:
        with self.log.open("ab") as handle:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *self.args, env=self.env, cwd=ROOT, stdout=handle, stderr=handle
            )
        return self

    async def stop(self) -> int:
        if self.proc is None:
            return 0
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 60)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode or 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
