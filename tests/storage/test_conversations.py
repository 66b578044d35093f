"""Conversations: Teams conversation references survive a restart (any instance can message them)."""

from __future__ import annotations

from storage import Storage, make_engine

REFERENCE = {
    "activity_id": "1:abc",
    "bot": {"id": "28:bot", "name": "Scenario"},
    "channel_id": "msteams",
    "conversation": {"id": "a:1xyz", "conversation_type": "personal", "tenant_id": "tenant-1"},
    "service_url": "https://smba.trafficmanager.net/emea/",
    "user": {"id": "29:user", "aad_object_id": "00000000-0000-0000-0000-000000000001"},
}


async def test_save_reference_then_read_it_back_from_another_engine(store: Storage, database_url: str) -> None:
    ws = await store.workspaces.ensure("teams", "tenant-1")
    saved = await store.conversations.save_reference(ws.id, "a:1xyz", "personal", REFERENCE)
    assert saved.reference == REFERENCE and saved.kind == "personal"
    other = Storage(make_engine(database_url))  # as after a restart, or on another instance
    try:
        assert await other.conversations.get_reference(ws.id, "a:1xyz") == saved
    finally:
        await other.dispose()


async def test_save_reference_again_replaces_it(store: Storage) -> None:
    ws = await store.workspaces.ensure("teams", "tenant-1")
    first = await store.conversations.save_reference(ws.id, "19:chan@thread.tacv2", "channel", {"v": 1})
    second = await store.conversations.save_reference(ws.id, "19:chan@thread.tacv2", "channel", {"v": 2})
    assert second.id == first.id and second.reference == {"v": 2}
    assert second.updated_at >= first.updated_at
    assert await store.conversations.list(ws.id) == [second]


async def test_list_and_missing(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    assert await store.conversations.get_reference(ws.id, "C-none") is None
    b = await store.conversations.save_reference(ws.id, "C2", "channel", {})
    a = await store.conversations.save_reference(ws.id, "C1", "dm", {})
    assert await store.conversations.list(ws.id) == [a, b]
