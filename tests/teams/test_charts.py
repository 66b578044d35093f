"""Chart store: unguessable tokens, expiry and the size cap."""

from __future__ import annotations

from bot.teams.charts import ChartStore, ShownImage


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_unguessable_and_charts_expire():
    clock = Clock()
    store = ChartStore(ttl=60, clock=clock)
    token = store.put(b"\x89PNG one")
    assert len(token) >= 40 and token != store.put(b"\x89PNG two")
    assert store.get(token) == b"\x89PNG one"
    clock.now += 61
    assert store.get(token) is None
    store.put(b"later")  # expired entries are dropped on the next put
    assert len(store) == 1


def test_oldest_charts_go_first_beyond_the_cap():
    store = ChartStore(max_charts=2)
    first, second, third = store.put(b"1"), store.put(b"2"), store.put(b"3")
    assert store.get(first) is None and store.get(second) == b"2" and store.get(third) == b"3"


def test_a_posted_cards_image_is_remembered_until_it_expires():
    clock = Clock()
    store = ChartStore(ttl=10, clock=clock)
    store.remember("t|c|m1", ShownImage("https://x/charts/a.png", "alt", 3))
    assert store.shown("t|c|m1") == ShownImage("https://x/charts/a.png", "alt", 3)
    clock.now += 11
    assert store.shown("t|c|m1") is None
