"""The decision flow at the console with `/as NAME`: Lee likes, Sam comments, Lee may not decide, Dana decides
through the form, Lee and Sam get their DM once, Lee (the owner) marks it done, and the export is a file."""

from __future__ import annotations

import csv
import io

from tests.console.test_repl import console  # noqa: F401 (fixture)


async def _lines(session, screen, *lines: str) -> str:
    for line in lines:
        assert await session.handle_line(line) is True
    return screen.take()


async def test_the_whole_decision_flow_at_the_console(console, monkeypatch):  # noqa: F811
    session, screen, tmp_path = console
    monkeypatch.chdir(tmp_path)  # the export is written to ./exports
    await _lines(session, screen, "/as Dana", "what if win rate drops to 20%")
    await _lines(session, screen, "/as Lee", "/react :+1: 1", "/as Sam", "/reply 1 9 opps is a stretch")
    # Decide's place among the card's buttons (other features add buttons before it)
    decide = 1 + [b.action_id for b in session.outbox.cards[0][1].buttons].index("decision.decide")
    refused = await _lines(session, screen, "/as Lee", f"/click {decide} 1")
    assert "Only the person who asked this scenario" in refused and "Record a decision" not in refused
    form = await _lines(session, screen, "/as Dana", f"/click {decide} 1")
    assert "Record a decision" in form
    # the form, field by field: the decision (a choice), its text (ends with an empty line), owner, due date
    out = await _lines(
        session, screen, "Adopt this scenario", "We go with 20% and fix onboarding", "", "@Lee", "2026-12-15"
    )
    assert "Decision: adopt this scenario" in out and "We go with 20% and fix onboarding" in out
    assert out.count("[DM to lee]") == 1 and out.count("[DM to sam]") == 1 and "[DM to dana]" not in out
    facts = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in out.splitlines() if ":  " in line}
    assert facts["Due"] == "Dec 15, 2026" and facts["Owner"] == "lee" and facts["Decided by"] == "Dana"

    # the channel's decision card, not a participant's DM of it
    decision_card = max(n for n, (_, card) in enumerate(session.outbox.cards, start=1) if card.kind == "decision"
                        and not card.blocks[0].text.endswith("asked for your view)."))  # fmt: skip
    done = await _lines(session, screen, "/as Lee", f"/click 2 {decision_card}")
    assert f"[card {decision_card} updated]" in done and "marked done by Lee" in done
    listed = await _lines(session, screen, "decisions")
    assert "#1 done · adopt this scenario: We go with 20% and fix onboarding · owner Lee" in listed
    exported = await _lines(session, screen, "decisions export")
    assert "[file]" in exported
    rows = list(csv.reader(io.StringIO((tmp_path / "exports" / "decisions-console.csv").read_text("utf-8-sig"))))
    assert rows[1][3] == "We go with 20% and fix onboarding" and rows[1][7] == "lee" and rows[1][9] == "done"
