"""Changing a CSV import before accepting it, through the Assistant: a driver's button switches it between the
fitted and the current value (the card updates in place with the new chance, and the accept stores exactly that),
"import window N" re-fits over another window (sample sizes change), bad windows get a clear message, and a
decided import's buttons change nothing. The full flow also runs on PostgreSQL (tests/db_fixtures.py)."""

from __future__ import annotations

import pytest

from bot.core.baselines.feature import sample_baseline
from bot.core.events import ActionInvoked, FileShared
from bot.core.formatting import pct
from bot.core.imports.cards import ACCEPT_ACTION, CANCEL_ACTION, DRIVER_ACTION
from bot.core.imports.choices import p_hit
from bot.core.imports.csv.sample import salesforce_export
from bot.core.imports.feature import CANCELLED, STALE
from bot.core.imports.flow import prepare_import
from bot.core.imports.refit import NO_PENDING
from tests.core.harness import TODAY, chat, migrated_copy
from tests.db_fixtures import database_url, empty_database_url  # noqa: F401 (fixtures)

DATA = salesforce_export(400)
SAMPLE = sample_baseline()


@pytest.fixture
async def c(tmp_path, tmp_path_factory):
    async with chat(migrated_copy(tmp_path, tmp_path_factory.getbasetemp())) as conversation:
        await conversation.load_sample()
        await conversation.send(FileShared(conversation.actor(), conversation.place, "pipeline.csv", DATA, len(DATA)))
        yield conversation


def expected(**kwargs):
    label = "this channel's baseline v1"  # as the chat names the channel's baseline in the sources it stores
    return prepare_import(
        DATA, name="pipeline.csv", base=SAMPLE, today=TODAY, fallback=SAMPLE, base_label=label, **kwargs
    )


def shown(c):
    """The import card as the channel sees it now: the newest post, or its in-place update (message, card)."""
    posts = [s for s in c.outbox.sends if not isinstance(s.message, str) and s.card.kind == "import"]
    message_id, card = posts[-1].message_id, posts[-1].card
    for update in c.outbox.updates:
        if update.message_id == message_id:
            card = update.card
    return message_id, card


async def press(c, action_id: str, label: str = "", *, card=None, message_id=None, user: str = "U1") -> None:
    if card is None:
        message_id, card = shown(c)
    button = next(b for b in card.buttons if b.action_id.startswith(action_id) and label in b.label)
    await c.send(ActionInvoked(c.actor(user), c.place, button.action_id, dict(button.value), message_id=message_id))


async def latest(c):
    return await c.storage.baselines.latest(await c.workspace_id(), "C1")


async def test_each_fitted_driver_has_a_switch_whose_default_is_the_trust_rule(c):
    _, card = shown(c)
    labels = [b.label for b in card.buttons if b.action_id.startswith(DRIVER_ACTION)]
    assert labels == [
        "Keep current win rate 25%",
        "Keep current deal size $20.0k",
        "Keep current sales cycle 4 weeks",
        "Keep current new opps per rep per week 7.0",
        "Keep current reps 10",
    ]
    assert all(len(b.label) <= 75 for b in card.buttons)
    assert len({b.action_id for b in card.buttons}) == len(card.buttons)  # Slack refuses repeated action ids
    assert "over the last 52 weeks (since 2025-11-17)" in card.fallback_text()


async def test_keeping_the_current_win_rate_changes_the_card_and_the_stored_baseline(c):
    fitted = expected()
    kept = expected(choices={"win_rate": "keep"})
    assert fitted.candidate["win_rate"] == 0.2733 and kept.candidate["win_rate"] == 0.25
    before = len(c.outbox.sends)
    await press(c, DRIVER_ACTION, "win rate")
    assert len(c.outbox.sends) == before  # updated in place, nothing new posted
    _, card = shown(c)
    text = card.fallback_text()
    assert "Win rate: 27.3% from a sample of 300; keeps the current 25% (your choice)" in text
    assert f"P(reach target): {pct(p_hit(kept.candidate))} with this baseline" in text
    assert "Use fitted win rate 27.3%" in [b.label for b in card.buttons]

    await press(c, ACCEPT_ACTION)
    stored = await latest(c)
    assert stored.version == 2 and stored.data == kept.candidate
    assert stored.data["win_rate"] == 0.25 and stored.data["deal_size"] == fitted.candidate["deal_size"]
    assert "Used as baseline v2" in shown(c)[1].footer

    await c.say("set win rate 30%")  # a value typed after the import still works
    assert (await latest(c)).data["win_rate"] == 0.3


async def test_switching_back_restores_the_fitted_value(c):
    await press(c, DRIVER_ACTION, "Keep current reps")
    await press(c, DRIVER_ACTION, "Use fitted reps")
    await press(c, ACCEPT_ACTION)
    assert (await latest(c)).data == expected().candidate


async def test_an_accept_on_a_card_older_than_the_choices_stores_nothing(c):
    first = c.outbox.sends[-1]
    await press(c, DRIVER_ACTION, "deal size")
    await press(c, ACCEPT_ACTION, card=first.card, message_id=None)  # the card as first posted, before the switch
    assert c.outbox.last.text == STALE and (await latest(c)).version == 1
    await press(c, ACCEPT_ACTION)
    assert (await latest(c)).data["deal_size"] == SAMPLE["deal_size"]


async def test_a_new_window_refits_and_shows_the_new_samples(c):
    await c.say("import window 8")
    _, card = shown(c)
    text = card.fallback_text()
    assert "over the last 8 weeks (since 2026-09-21)" in text
    assert "Win rate: 20% from a sample of 40 (used)" in text  # 300 closed deals over 52 weeks
    assert "only 8 won deals with an amount in the history window" in text and "keeps $20.0k" in text
    assert "Use fitted deal size $21.6k" in [b.label for b in card.buttons]
    await press(c, ACCEPT_ACTION)
    stored = (await latest(c)).data
    assert stored == expected(window_weeks=8).candidate
    assert stored["win_rate"] == 0.2 and stored["deal_size"] == SAMPLE["deal_size"]


async def test_a_choice_survives_a_window_change(c):
    await press(c, DRIVER_ACTION, "win rate")
    await c.say("import window 26")
    await press(c, ACCEPT_ACTION)
    assert (await latest(c)).data == expected(window_weeks=26, choices={"win_rate": "keep"}).candidate


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("import window 1000", "A history window of 1000 weeks is out of range: give 4 to 260 weeks"),
        ("import window 2", "A history window of 2 weeks is out of range"),
        ("import window abc", "The history window must be a whole number of weeks from 4 to 260, not 'abc'"),
        ("import window", "not 'nothing'"),
    ],
)
async def test_a_bad_window_gets_a_clear_message_with_an_example(c, command, message):
    await c.say(command)
    text = c.outbox.last.text
    assert message in text and "/scenario import window 26" in text
    assert "over the last 52 weeks" in shown(c)[1].fallback_text()


async def test_a_window_without_a_pending_import_says_so_and_remembers_nothing(c):
    await press(c, CANCEL_ACTION)
    await c.say("import window 26")
    assert c.outbox.last.text == NO_PENDING
    ws = await c.workspace_id()
    assert await c.storage.imports.latest_pending(ws, "C1") is None


async def test_after_cancel_or_accept_the_switches_change_nothing(c):
    _, card = shown(c)
    await press(c, CANCEL_ACTION)
    updates = len(c.outbox.updates)
    await press(c, DRIVER_ACTION, "win rate", card=card, message_id="x")
    assert c.outbox.last.text == CANCELLED and len(c.outbox.updates) == updates
    assert (await latest(c)).version == 1

    await c.send(FileShared(c.actor(), c.place, "again.csv", DATA, len(DATA)))
    _, card = shown(c)
    await press(c, ACCEPT_ACTION)
    updates = len(c.outbox.updates)
    await press(c, DRIVER_ACTION, "win rate", card=card, message_id="y")
    assert "already the channel's baseline v2" in c.outbox.last.text and len(c.outbox.updates) == updates
    assert (await latest(c)).data == expected().candidate


async def test_switch_window_and_accept_on_each_database(database_url):  # noqa: F811
    async with chat(database_url) as c:
        await c.load_sample()
        await c.send(FileShared(c.actor(), c.place, "pipeline.csv", DATA, len(DATA)))
        await press(c, DRIVER_ACTION, "sales cycle")
        await c.say("import window 104")
        assert "over the last 104 weeks" in shown(c)[1].fallback_text()
        await press(c, ACCEPT_ACTION)
        stored = (await latest(c)).data
        assert stored == expected(window_weeks=104, choices={"cycle_weeks": "keep"}).candidate
        assert stored["cycle_weeks"] == SAMPLE["cycle_weeks"]


async def test_an_import_previewed_before_choices_existed_says_to_upload_again(c):
    from bot.core.imports.refit import TOO_OLD
    from tests.storage.helpers import baseline

    ws = await c.workspace_id()
    await c.storage.imports.cancel(ws, 1, actor="U1")
    old = await c.storage.imports.create(
        ws, "C1", created_by="U1", source_name="old.csv", candidate=baseline(deals=2), preview={"source": "old.csv"}
    )
    assert old.fit is None
    await c.say("import window 26")
    assert c.outbox.last.text == TOO_OLD and (await c.storage.imports.get(ws, old.id)).preview == {"source": "old.csv"}
