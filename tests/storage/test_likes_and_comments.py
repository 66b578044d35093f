"""Likes (one per user, source and card; counted by distinct users) and comments (new, edited, deleted)."""

from __future__ import annotations

import asyncio

import pytest

from storage import Storage, make_engine
from tests.storage.helpers import count_rows


async def _card(store: Storage, platform: str = "slack", external_id: str = "T1") -> tuple[int, int]:
    ws = (await store.workspaces.ensure(platform, external_id)).id
    sent = await store.messages.record(
        ws, platform=platform, channel_id="C1", message_id="1700000000.000100", kind="scenario", payload={}
    )
    return ws, sent.id


async def test_a_user_counts_once_whatever_the_number_of_emoji(store: Storage) -> None:
    ws, card = await _card(store)
    assert await store.likes.add(ws, card, "U1", "+1") is True
    assert await store.likes.add(ws, card, "U1", "+1") is False
    assert await store.likes.add(ws, card, "U1", "heart") is True
    assert await store.likes.add(ws, card, "U2", "+1") is True
    assert await store.likes.count(ws, card) == 2
    assert await store.likes.remove(ws, card, "U1", "+1") is True
    assert await store.likes.remove(ws, card, "U1", "+1") is False
    assert await store.likes.count(ws, card) == 2  # U1 still likes it with "heart"
    assert await store.likes.remove(ws, card, "U1", "heart") is True
    assert await store.likes.count(ws, card) == 1
    assert await store.likes.has_liked(ws, card, "U1") is False
    assert await store.likes.has_liked(ws, card, "U2") is True


async def test_toggle_button(store: Storage) -> None:
    ws, card = await _card(store)
    assert await store.likes.toggle_button(ws, card, "U1") is True
    assert await store.likes.count(ws, card) == 1
    assert await store.likes.toggle_button(ws, card, "U1") is False
    assert await store.likes.count(ws, card) == 0
    await store.likes.add(ws, card, "U1", "+1")
    assert await store.likes.toggle_button(ws, card, "U1") is True
    assert await store.likes.count(ws, card) == 1  # one user, two sources


async def test_likes_on_a_missing_card_change_nothing(store: Storage) -> None:
    ws, _ = await _card(store)
    assert await store.likes.add(ws, 999, "U1", "+1") is False
    assert await store.likes.toggle_button(ws, 999, "U1") is False
    assert await count_rows(store, "likes") == 0


async def test_likes_are_audited_with_the_user_as_actor(store: Storage) -> None:
    ws, card = await _card(store)
    await store.likes.add(ws, card, "U1", "+1")
    await store.likes.add(ws, card, "U1", "+1")
    await store.likes.remove(ws, card, "U1", "+1")
    entries = await store.audit.list(ws)
    assert [(e.actor, e.action, e.object_id, e.detail) for e in entries] == [
        ("U1", "like.removed", str(card), {"source": "+1"}),
        ("U1", "like.added", str(card), {"source": "+1"}),
    ]


async def test_twenty_concurrent_adds_of_one_like_leave_one_row(database_url: str) -> None:
    # Two engines stand for two processes; every add runs in its own session and transaction.
    stores = [Storage(make_engine(database_url, pool_size=10, max_overflow=0)) for _ in range(2)]
    try:
        ws, card = await _card(stores[0])
        results = await asyncio.gather(*[stores[i % 2].likes.add(ws, card, "U1", "+1") for i in range(20)])
        assert sorted(results) == [False] * 19 + [True]
        assert await stores[0].likes.count(ws, card) == 1
        assert await count_rows(stores[0], "likes") == 1
        assert await count_rows(stores[0], "audit_log", "action = 'like.added'") == 1
    finally:
        for s in stores:
            await s.dispose()


async def test_comments_new_edited_repeated_and_deleted(store: Storage) -> None:
    ws, card = await _card(store)
    assert await store.comments.upsert(ws, card, author_id="U1", message_id="1.2", text="Too optimistic") is True
    assert await store.comments.upsert(ws, card, author_id="U1", message_id="1.2", text="Too optimistic") is False
    assert await store.comments.upsert(ws, card, author_id="U2", message_id="1.3", text="Agreed") is True
    assert await store.comments.upsert(ws, card, author_id="U1", message_id="1.2", text="Far too optimistic") is True
    comments = await store.comments.list(ws, card)
    assert [(c.author_id, c.text) for c in comments] == [("U1", "Far too optimistic"), ("U2", "Agreed")]
    assert comments[0].edited_at is not None and comments[1].edited_at is None
    assert await store.comments.count(ws, card) == 2

    assert await store.comments.delete(ws, card, "1.3") is True
    assert await store.comments.delete(ws, card, "1.3") is False
    assert await store.comments.count(ws, card) == 1
    assert [c.message_id for c in await store.comments.list(ws, card)] == ["1.2"]
    everything = await store.comments.list(ws, card, include_deleted=True)
    assert [c.deleted_at is not None for c in everything] == [False, True]
    assert await store.comments.upsert(ws, card, author_id="U2", message_id="1.3", text="back?") is False

    actions = [(e.actor, e.action) for e in reversed(await store.audit.list(ws))]
    assert actions == [
        ("U1", "comment.added"),
        ("U2", "comment.added"),
        ("U1", "comment.edited"),
        ("U2", "comment.deleted"),
    ]


@pytest.mark.parametrize("method", ["upsert", "delete"])
async def test_comments_on_a_missing_card_change_nothing(store: Storage, method: str) -> None:
    ws, _ = await _card(store)
    if method == "upsert":
        assert await store.comments.upsert(ws, 999, author_id="U1", message_id="1.2", text="x") is False
    else:
        assert await store.comments.delete(ws, 999, "1.2") is False
    assert await count_rows(store, "comments") == 0


async def test_concurrent_duplicate_comment_deliveries_store_one(database_url: str) -> None:
    stores = [Storage(make_engine(database_url, pool_size=10, max_overflow=0)) for _ in range(2)]
    try:
        ws, card = await _card(stores[0])
        results = await asyncio.gather(
            *[stores[i % 2].comments.upsert(ws, card, author_id="U1", message_id="1.2", text="same") for i in range(10)]
        )
        assert sorted(results) == [False] * 9 + [True]
        assert await count_rows(stores[0], "comments") == 1
    finally:
        for s in stores:
            await s.dispose()
