"""The experts flow at the console, acting as each person in turn with /as NAME."""

from __future__ import annotations

from bot.core.baselines.feature import sample_baseline
from bot.core.formatting import pct
from engine.baseline import parse_baseline
from engine.changes import Change, apply_changes, current_value
from engine.forecast import forecast
from tests.console.test_repl import console  # noqa: F401 (the fixture)


async def _lines(session, *lines: str) -> None:
    for line in lines:
        assert await session.handle_line(line) is True


async def test_the_experts_flow_with_as(console):  # noqa: F811
    session, screen, _ = console
    await _lines(session, "/as Dana", "what if new opps per rep per week is 9")
    assert "You are now typing as Dana." in screen.take()
    await _lines(session, "/invite @sam 1", "Is 9 really possible?", "", "new opportunities per rep per week")
    out = screen.take()
    assert "[DM to sam]" in out and "Dana asked you" in out and "Is 9 really possible?" in out
    assert "Invited sam" in out and "Experts: 1 asked, 0 answered" in out

    await _lines(session, "/as Sam", "/react :+1: 2")  # the DM is card 2: Sam likes it there
    assert "[card 1 updated] 1 like · 0 comments · Experts: 1 asked, 0 answered" in screen.take()
    await _lines(session, "/click 2 2", "8 is the most we can do", "")
    out = screen.take()
    assert "Sam (expert, via DM): 8 is the most we can do" in out and "1 like · 1 comment" in out
    await _lines(session, "/click 3 2", "eight")
    out = screen.take()
    base = parse_baseline(sample_baseline())
    change = Change("new_opps_per_rep_week", current_value(base, "new_opps_per_rep_week"), 8.0)
    expected = pct(forecast(apply_changes(base, [change])).p_hit)
    assert "Estimate by Sam: eight" in out and f"Sam: 8.0 opps/rep/week → {expected}" in out
    assert "Experts: 1 asked, 1 answered" in out

    await _lines(session, "/click 4 2", "@lee", "Can marketing give 8?", "", "")
    out = screen.take()
    assert "[DM to lee]" in out and "Dana asked Sam, who asked you" in out
    await _lines(session, "/click 4 2", "@sam", "me?", "", "")
    assert "You cannot invite yourself" in screen.take()
    await _lines(session, "/as Lee", "/click 1 2")  # Lee presses Like on Sam's DM: not his invitation
    assert "This invitation was sent to someone else" in screen.take()
