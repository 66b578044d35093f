"""Workspaces: race-safe ensure, lookups, settings."""

from __future__ import annotations

import asyncio
from datetime import UTC

import pytest

from storage import Storage, make_engine


async def test_ensure_creates_once_and_returns_the_same_workspace(store: Storage) -> None:
    first = await store.workspaces.ensure("slack", "T1", "Acme")
    again = await store.workspaces.ensure("slack", "T1")
    assert again == first
    assert (first.platform, first.external_id, first.name) == ("slack", "T1", "Acme")
    assert (first.currency, first.confidence, first.timezone) == ("USD", 0.8, "UTC")
    assert first.created_at.tzinfo == UTC


async def test_same_external_id_on_another_platform_is_another_workspace(store: Storage) -> None:
    slack = await store.workspaces.ensure("slack", "X1")
    teams = await store.workspaces.ensure("teams", "X1")
    assert slack.id != teams.id


async def test_a_given_name_replaces_the_stored_one(store: Storage) -> None:
    await store.workspaces.ensure("teams", "tenant-1", "Old name")
    renamed = await store.workspaces.ensure("teams", "tenant-1", "New name")
    assert renamed.name == "New name"
    assert (await store.workspaces.ensure("teams", "tenant-1")).name == "New name"


async def test_concurrent_ensure_of_a_new_workspace_gives_one_row(database_url: str) -> None:
    stores = [Storage(make_engine(database_url, pool_size=10, max_overflow=0)) for _ in range(2)]
    try:
        found = await asyncio.gather(*[stores[i % 2].workspaces.ensure("slack", "T-race", "Race") for i in range(20)])
        assert len({w.id for w in found}) == 1
    finally:
        for s in stores:
            await s.dispose()


async def test_get_and_get_by_id(store: Storage) -> None:
    created = await store.workspaces.ensure("console", "local")
    assert await store.workspaces.get("console", "local") == created
    assert await store.workspaces.get_by_id(created.id) == created
    assert await store.workspaces.get("console", "nobody") is None
    assert await store.workspaces.get_by_id(created.id + 1000) is None


async def test_update_settings_changes_only_what_is_given_and_is_audited(store: Storage) -> None:
    ws = await store.workspaces.ensure("slack", "T1")
    updated = await store.workspaces.update_settings(ws.id, currency="EUR", actor="U-admin")
    assert (updated.currency, updated.confidence, updated.timezone) == ("EUR", 0.8, "UTC")
    updated = await store.workspaces.update_settings(ws.id, confidence=0.9, timezone="Europe/Berlin")
    assert (updated.currency, updated.confidence, updated.timezone) == ("EUR", 0.9, "Europe/Berlin")
    assert await store.workspaces.get_by_id(ws.id) == updated
    entries = await store.audit.list(ws.id)
    assert [e.action for e in entries] == ["workspace.settings_changed"] * 2
    assert entries[-1].actor == "U-admin" and entries[-1].detail == {"currency": "EUR"}


async def test_update_settings_of_a_missing_workspace_is_none(store: Storage) -> None:
    assert await store.workspaces.update_settings(4242, currency="EUR") is None


async def test_unknown_platform_is_refused(store: Storage) -> None:
    with pytest.raises(ValueError, match="slack, teams, console"):
        await store.workspaces.ensure("discord", "G1")
