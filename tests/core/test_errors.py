"""One way to report an unexpected failure (bot.core.errors): the person gets the one apology, the log gets what
failed, the exception's type and where it was raised, and never the exception's message (it can quote a question
or a token) nor a traceback (whose last line is that message)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.core.assistant import Assistant
from bot.core.baselines.feature import sample_baseline
from bot.core.errors import SORRY, where
from bot.core.events import Actor, MessageReceived, Place
from bot.core.language import parse, parser
from bot.core.router import Router
from bot.core.testing import RecordingOutbox
from bot.worker import Worker
from engine.baseline import parse_baseline
from storage import NewJob, Storage
from tests.core.harness import migrated_copy

SECRET = "we lose Acme on Friday, token xoxb-123"
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _fails_inside() -> None:
    raise KeyError(SECRET)


def _no_traceback_and_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert SECRET not in caplog.text and "xoxb" not in caplog.text


@pytest.fixture
async def storage(tmp_path, tmp_path_factory):
    store = Storage.from_url(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()))
    yield store
    await store.dispose()


def test_where_names_the_innermost_frames_and_nothing_of_the_message():
    with pytest.raises(KeyError) as raised:
        _fails_inside()
    text = where(raised.value)
    assert text.startswith("test_errors.py:") and "_fails_inside" in text.split(" <- ")[0]
    assert SECRET not in text and "xoxb" not in text
    assert where(KeyError("never raised")) == "?"


def test_a_parser_bug_is_a_friendly_reply_and_a_log_line_without_the_question(monkeypatch, caplog):
    def broken(text, baseline, today):
        raise ValueError(f"cannot read {text!r}")

    monkeypatch.setattr(parser, "_parse", broken)
    with caplog.at_level(logging.ERROR, logger="bot.core.language.parser"):
        question = f"what if {SECRET}"
        parsed = parse(question, parse_baseline(sample_baseline()))
    assert parsed.problem and SECRET not in parsed.problem and len(parsed.suggestions) == 3
    line = f"what-if parser on a question of {len(question)} characters failed: ValueError at test_errors.py:"
    assert line in caplog.text
    assert caplog.records[-1].filename == "parser.py"  # the record points at the caller, not at the helper
    _no_traceback_and_no_secret(caplog)


async def test_a_failing_job_is_logged_by_type_and_place_and_retried(storage, caplog):
    async def broken(job, ctx) -> None:
        raise RuntimeError(f"export of {SECRET} failed")

    assistant = Assistant(storage)
    worker = Worker(storage, assistant, {}, handlers={"test.broken": broken})
    await storage.jobs.enqueue(NewJob("test.broken", "broken:1", {}), now=NOW)
    try:
        with caplog.at_level(logging.INFO):
            assert await worker.run_once(NOW) == 1
    finally:
        await assistant.close()
    job = await storage.jobs.get("broken:1")
    assert job.status == "queued" and job.attempts == 1  # back in the queue for a later attempt
    assert f"job {job.id} (broken:1) failed: RuntimeError at test_errors.py:" in caplog.text
    _no_traceback_and_no_secret(caplog)


async def test_the_apology_a_person_gets_is_the_one_text_and_names_no_exception(storage):
    router = Router()

    async def broken(turn):
        raise RuntimeError(SECRET)

    router.fallback(broken)
    assistant = Assistant(storage, router=router)
    outbox = RecordingOutbox()
    await assistant.handle(MessageReceived(Actor("slack", "U1"), Place("slack", "T1", "C1"), "hi"), outbox)
    await assistant.close()
    (sent,) = outbox.sends
    assert SORRY in sent.text and "RuntimeError" not in sent.text and SECRET not in sent.text
