"""The Assistant's promises: never raise, friendly error card, ids-only logs, the inbox, executor work."""

from __future__ import annotations

import logging
import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from bot.core.assistant import Assistant
from bot.core.baselines.feature import sample_baseline
from bot.core.events import ActionInvoked, Actor, MessageReceived, Place
from bot.core.router import Router, RouterError
from bot.core.scenarios.compute import compute_answer
from bot.core.testing import RecordingOutbox
from engine.baseline import parse_baseline
from engine.forecast import forecast
from storage import Storage
from tests.core.harness import migrated_copy

SECRET_TEXT = "confidential: we will lose Acme, token xoxb-123"


@pytest.fixture
async def storage(tmp_path, tmp_path_factory):
    store = Storage.from_url(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()))
    yield store
    await store.dispose()


def message(text: str, via: str = "mention") -> MessageReceived:
    return MessageReceived(Actor("slack", "U1"), Place("slack", "T1", "C1"), text, via=via, message_id="171.5")


async def test_a_failing_feature_gives_a_friendly_error_card_and_an_ids_only_log(storage, caplog):
    router = Router()

    async def broken(turn):
        raise RuntimeError(f"boom while reading {turn.event.text}")

    router.fallback(broken)
    assistant = Assistant(storage, router=router)
    outbox = RecordingOutbox()
    with caplog.at_level(logging.DEBUG, logger="bot.core.assistant"):
        await assistant.handle(message(SECRET_TEXT), outbox)  # must not raise
    await assistant.close()
    (sent,) = outbox.sends
    assert sent.card.kind == "error"
    assert "Traceback" not in sent.text and "boom" not in sent.text and "RuntimeError" not in sent.text
    assert sent.thread_id == "171.5"  # an @mention is answered in its thread, errors too
    logged = caplog.text
    assert "RuntimeError" in logged and "T1" in logged
    assert "confidential" not in logged and "xoxb" not in logged and "boom" not in logged


async def test_handle_survives_a_storage_outage_and_an_outbox_that_fails_too(caplog):
    class DownStorage:
        class workspaces:  # noqa: N801 - mimics the facade's attribute
            @staticmethod
            async def ensure(*args, **kwargs):
                raise ConnectionError("database is down")

    class BrokenOutbox(RecordingOutbox):
        async def send(self, *args, **kwargs):
            raise OSError("platform unreachable")

    assistant = Assistant(DownStorage())
    await assistant.handle(message("do we reach the target?"), BrokenOutbox())  # neither error escapes
    await assistant.close()
    assert "ConnectionError" in caplog.text and "OSError" in caplog.text


async def test_unknown_buttons_are_ignored_and_the_inbox_claims_each_delivery_once(storage):
    assistant = Assistant(storage)
    outbox = RecordingOutbox()
    await assistant.handle(ActionInvoked(Actor("slack", "U1"), Place("slack", "T1", "C1"), "nope.unknown"), outbox)
    assert outbox.records == []
    assert await assistant.claim("slack", "Ev1", "T1") is True
    assert await assistant.claim("slack", "Ev1", "T1") is False
    assert await assistant.claim("teams", "Ev1") is True
    await assistant.close()


def test_registering_the_same_command_twice_is_refused():
    router = Router()

    async def handler(turn):
        return None

    router.command("help", handler)
    with pytest.raises(RouterError, match="help"):
        router.command("HELP", handler)


def test_the_compute_step_runs_in_a_process_pool_and_matches_the_engine():
    data = sample_baseline()
    change = {"driver": "win_rate", "from": 0.25, "to": 0.2}
    pickle.dumps(compute_answer)  # one top-level function: a ProcessPoolExecutor can ship it
    with ProcessPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(compute_answer, data, [change], True, False).result(timeout=60)
    assert answer.chart[:8] == b"\x89PNG\r\n\x1a\n"
    assert answer.baseline.p_hit == pytest.approx(forecast(parse_baseline(data)).p_hit, abs=1e-12)
    assert answer.scenario.p_hit < answer.baseline.p_hit


def test_an_impossible_change_is_reported_not_raised():
    answer = compute_answer(sample_baseline(), [{"driver": "win_rate", "from": 0.25, "to": 1.5}], False)
    assert answer.baseline is None
    assert answer.problems == ["win_rate: must be between 0% and 100%, got 150%"]
