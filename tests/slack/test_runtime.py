"""The Slack runtime's scheduling of answers: acknowledgements first, a bounded number of answers at once."""

from __future__ import annotations

import asyncio

from bot.core.events import Actor, MessageReceived, Place
from bot.slack import app as slack_app
from bot.slack.app import SlackRuntime


class SlowAssistant:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.running = 0
        self.most = 0

    async def handle(self, event, outbox) -> None:
        self.started.append(event.text)
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0.05)
        self.running -= 1

    async def claim(self, *args) -> bool:
        return True


def question(text: str) -> MessageReceived:
    return MessageReceived(Actor("slack", "U1"), Place("slack", "T1", "C1"), text)


async def test_answers_wait_while_a_request_is_being_acknowledged():
    assistant = SlowAssistant()
    runtime = SlackRuntime(assistant, outbox=None)
    runtime.ack_started()
    runtime.spawn(question("q1"))
    await asyncio.sleep(0.1)
    assert assistant.started == []  # held back: an acknowledgement is in progress
    runtime.ack_finished()
    await asyncio.wait_for(runtime.drain(), timeout=2)
    assert assistant.started == ["q1"]


async def test_a_held_answer_still_starts_within_the_priority_limit(monkeypatch):
    monkeypatch.setattr(slack_app, "ACK_PRIORITY_SECONDS", 0.2)
    assistant = SlowAssistant()
    runtime = SlackRuntime(assistant, outbox=None)
    runtime.ack_started()  # never finishes: a stuck request must not starve answers
    runtime.spawn(question("q1"))
    await asyncio.wait_for(runtime.drain(), timeout=2)
    assert assistant.started == ["q1"]


async def test_at_most_a_few_answers_run_at_once():
    assistant = SlowAssistant()
    runtime = SlackRuntime(assistant, outbox=None)
    for i in range(10):
        runtime.spawn(question(f"q{i}"))
    await asyncio.wait_for(runtime.drain(), timeout=5)
    assert sorted(assistant.started) == sorted(f"q{i}" for i in range(10))
    assert assistant.most == slack_app.ANSWERS_IN_FLIGHT
