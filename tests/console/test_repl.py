"""The console driven through its line handler: a question, likes, a comment via the button's form, /show."""

from __future__ import annotations

import json

import pytest

from bot.console.outbox import ConsoleOutbox
from bot.console.repl import ConsoleSession, ensure_sample_baseline
from bot.core.assistant import Assistant
from storage import Storage
from tests.core.harness import TODAY, migrated_copy


class Screen:
    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.extend(text.splitlines())

    def take(self) -> str:
        out, self.lines = "\n".join(self.lines), []
        return out


@pytest.fixture
async def console(tmp_path, tmp_path_factory):
    storage = Storage.from_url(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()))
    assistant = Assistant(storage, today=TODAY, coalesce_seconds=0.01)
    screen = Screen()

    def renderer_for(name):
        if name != "slack":
            raise ValueError(f"unknown platform {name!r}")
        return lambda card: [{"type": "header", "text": card.title}]

    outbox = ConsoleOutbox(screen, charts_dir=tmp_path / "charts", renderer_for=renderer_for)
    session = ConsoleSession(assistant, outbox)
    assert await ensure_sample_baseline(storage, "local", "console") is True
    assert await ensure_sample_baseline(storage, "local", "console") is False  # only on first start
    yield session, screen, tmp_path
    await assistant.close()
    await storage.dispose()


async def test_a_console_session(console):
    session, screen, tmp_path = console
    assert await session.handle_line("what if win rate drops to 20%") is True
    out = screen.take()
    assert "[card 1]" in out and "P(reach target)" in out and "20%" in out
    assert f"[chart saved to {tmp_path / 'charts' / '1.png'}]" in out
    assert (tmp_path / "charts" / "1.png").read_bytes()[:4] == b"\x89PNG"

    await session.handle_line("/react :+1:")
    assert screen.take() == "[card 1 updated] 1 like · 0 comments"
    await session.handle_line("/reply 1 December pipeline looks thin")
    assert "[card 1 updated] 1 like · 1 comment" in screen.take()

    await session.handle_line("/click 2")  # 💬 Comment: the form is asked for in the console
    prompt = screen.take()
    assert "Comment on this scenario" in prompt and "Your comment:" in prompt
    await session.handle_line("Let's ask Dana about Acme")
    await session.handle_line("")  # a multi-line answer ends with an empty line
    out = screen.take()
    assert "You: Let's ask Dana about Acme" in out
    assert "[card 1 updated] 1 like · 2 comments" in out

    await session.handle_line("/unreact :+1: 1")
    assert screen.take() == "[card 1 updated] 0 likes · 2 comments"


async def test_console_commands_explain_their_mistakes(console):
    session, screen, _ = console
    await session.handle_line("/react :+1:")
    assert "no card yet" in screen.take()
    await session.handle_line("do we reach the target?")
    screen.take()
    await session.handle_line("/react :+1: 7")
    assert "expected a card number from 1 to 1" in screen.take()
    await session.handle_line("/click 9")
    out = screen.take()
    assert "Usage: /click N" in out and "1 Like" in out
    await session.handle_line("/frobnicate")
    assert "Unknown console command '/frobnicate'" in screen.take()
    assert await session.handle_line("/quit") is False


async def test_show_prints_platform_json_for_each_card(console):
    session, screen, _ = console
    await session.handle_line("/show teams")
    assert "Cannot show teams JSON" in screen.take()
    await session.handle_line("/show slack")
    assert "slack JSON" in screen.take()
    await session.handle_line("help")
    out = screen.take()
    payload = json.loads(out[out.index("[\n") :])
    assert payload[0]["type"] == "header"
    await session.handle_line("/show off")
    await session.handle_line("help")
    assert '"type"' not in screen.take()


async def test_click_presses_the_scenario_cards_button_after_a_drivers_card(console):
    session, screen, _ = console
    await session.handle_line("what if win rate drops to 20%")
    await session.handle_line("/click 3")  # Drivers: a card without buttons of its own
    assert "What moves the chance" in screen.take()
    await session.handle_line("/click 1")  # Like, on the scenario card, not "no such button" on the Drivers card
    assert "[card 1 updated] 1 like · 0 comments" in screen.take()
    await session.handle_line("/click 1 2")  # card 2 (Drivers) has no buttons: say so, press nothing
    assert "Usage: /click N [card] with N a button of card 2 (none)" in screen.take()


async def test_the_comment_form_says_e_g_once(console):
    session, screen, _ = console
    await session.handle_line("what if win rate drops to 20%")
    await session.handle_line("/click 2")
    prompt = screen.take()
    assert "e.g. 9 new opps per rep is a stretch" in prompt and "e.g. e.g." not in prompt


async def test_on_start_the_console_says_which_baseline_it_loaded(console):
    from datetime import date

    from bot.console.repl import loaded_baseline_text

    session, _, _ = console
    text = await loaded_baseline_text(session.assistant.storage, "local", "console", today=date(2026, 11, 29))
    assert text.startswith("Using baseline v1 (sample baseline (first start)): 60 open deals")
    assert "as of Nov 16 (13 days ago)" in text and "set as of today" in text


def test_each_console_session_saves_its_charts_in_its_own_folder(tmp_path):
    from datetime import datetime

    from bot.cli.run import session_charts_dir

    now = datetime(2026, 11, 29, 18, 20, 0)
    first = session_charts_dir(tmp_path, now)
    first.mkdir()
    second = session_charts_dir(tmp_path, now)  # same second: the next free name, not the same folder
    assert first.name == "20261129-182000" and second.name == "20261129-182000-2"


async def test_a_first_start_dates_the_sample_team_today_so_the_demo_is_not_stale(tmp_path, tmp_path_factory):
    from datetime import date

    from bot.console.repl import loaded_baseline_text

    storage = Storage.from_url(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()))
    try:
        day = date(2026, 11, 29)
        assert await ensure_sample_baseline(storage, "local", "console", today=day) is True
        text = await loaded_baseline_text(storage, "local", "console", today=day)
        assert "60 open deals" in text and "13 days ago" not in text and "set as of today" not in text
        assert "period to 2027-01-13" in text  # the sample's 6.4 weeks, from today
    finally:
        await storage.dispose()


async def test_a_new_session_on_the_same_file_does_not_inherit_the_last_sessions_likes(tmp_path, tmp_path_factory):
    """Cards, likes and comments are stored by message id: a restarted console must not find yesterday's likes on
    today's first card because both were "card 1"."""
    storage = Storage.from_url(migrated_copy(tmp_path, tmp_path_factory.getbasetemp()))
    assistant = Assistant(storage, today=TODAY, coalesce_seconds=0.01)
    try:
        await ensure_sample_baseline(storage, "local", "console")
        footers = []
        for likes in (":+1:", None):
            screen = Screen()
            session = ConsoleSession(assistant, ConsoleOutbox(screen, charts_dir=tmp_path / "charts"))
            await session.handle_line("what if win rate drops to 20%")
            if likes:
                await session.handle_line(f"/react {likes} 1")
                await assistant.wait_idle()
            footers.append(session.outbox.cards[0][1].footer)
            await session.handle_line("/reply 1 looks low")
            await assistant.wait_idle()
            footers.append(screen.take().splitlines()[-1])
        assert footers[3].startswith("[card 1 updated] 0 likes · 1 comment"), footers
    finally:
        await assistant.close()
        await storage.dispose()
