"""Tenant isolation sweep: every repository method, called with another tenant's ids, finds nothing and
changes nothing of that tenant's data."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime

import pytest

from storage import NotFound, Storage
from tests.storage.helpers import baseline, snapshot

# Methods not keyed by workspace: the workspace lookups themselves and the platform-wide inbox.
UNSCOPED = {
    ("workspaces", "ensure"),
    ("workspaces", "get"),
    ("workspaces", "get_by_id"),
    ("inbox", "claim"),
    ("inbox", "accept"),  # keyed by the platform's delivery id; the job it queues carries the tenant in its event
    ("inbox", "purge_older_than"),
}
REPOSITORIES = (
    "workspaces",
    "conversations",
    "baselines",
    "scenarios",
    "messages",
    "likes",
    "comments",
    "inbox",
    "audit",
    "forecasts",
    "decisions",
    "roles",
)


def public_methods(store: Storage) -> set[tuple[str, str]]:
    found = set()
    for name in REPOSITORIES:
        repo = getattr(store, name)
        for attr, _ in inspect.getmembers(type(repo), inspect.iscoroutinefunction):
            if not attr.startswith("_"):
                found.add((name, attr))
    return found


async def _tenant_a(store: Storage) -> dict:
    ws = (await store.workspaces.ensure("slack", "T-A", "Tenant A")).id
    await store.conversations.save_reference(ws, "C-A", "channel", {"conversation": {"id": "C-A"}})
    base = await store.baselines.save(ws, "C-A", baseline(deals=3), created_by="UA")
    scenario = await store.scenarios.create(
        ws, "C-A", question="q", intent="what_if", changes=[], baseline_id=base.id, summary={}, asked_by="UA"
    )
    sent = await store.messages.record(
        ws,
        platform="slack",
        channel_id="C-A",
        message_id="111.222",
        kind="scenario",
        payload={"v": 1},
        scenario_id=scenario.id,
        thread_id="111.000",
    )
    await store.likes.add(ws, sent.id, "UA", "+1")
    await store.likes.add(ws, sent.id, "UA", "button")
    await store.comments.upsert(ws, sent.id, author_id="UA", message_id="111.333", text="mine")
    await store.audit.record(ws, actor="UA", action="decision.recorded", object_type="scenario", object_id=scenario.id)
    await store.forecasts.record(
        ws, "C-A", kind="nudge", p_hit=0.4, as_of=date(2026, 11, 16), period_end=date(2026, 12, 31),
        published_at=datetime(2026, 11, 16, 9, tzinfo=UTC), baseline_id=base.id, key="nudge:C-A:1",
    )  # fmt: skip
    await store.forecasts.record_outcome(
        ws, "C-A", period_end=date(2026, 9, 30), target=100.0, booked=120.0,
        recorded_at=datetime(2026, 10, 1, tzinfo=UTC), source="baseline", baseline_id=base.id,
    )  # fmt: skip
    decision, _ = await store.decisions.create(
        ws, "C-A", key="form:A", sent_message_id=sent.id, scenario_id=scenario.id, decided_by="UA", kind="adopt",
        text="we hire", owner_id="UA", due_date=date(2026, 12, 15),
    )  # fmt: skip
    await store.roles.set(ws, "UA", "manager", set_by="admin")
    return {"ws": ws, "baseline": base.id, "scenario": scenario.id, "sent": sent.id, "decision": decision.id}


async def test_D6_another_tenants_ids_find_nothing_and_change_nothing(store: Storage) -> None:
    a = await _tenant_a(store)
    b = (await store.workspaces.ensure("teams", "tenant-B", "Tenant B")).id
    before = await snapshot(store)
    called: set[tuple[str, str]] = set()

    async def call(repo: str, method: str, *args, **kwargs):
        called.add((repo, method))
        return await getattr(getattr(store, repo), method)(*args, **kwargs)

    # Reads: nothing of tenant A is visible to tenant B.
    assert await call("conversations", "get_reference", b, "C-A") is None
    assert await call("conversations", "list", b) == []
    assert await call("baselines", "latest", b, "C-A") is None
    assert await call("baselines", "get", b, a["baseline"]) is None
    assert await call("baselines", "history", b, "C-A") == []
    assert await call("scenarios", "get", b, a["scenario"]) is None
    assert await call("scenarios", "list", b, "C-A") == []
    assert await call("messages", "find", b, "C-A", "111.222") is None
    assert await call("messages", "get", b, a["sent"]) is None
    assert await call("messages", "latest_in_thread", b, "C-A", "111.000") is None
    assert (await store.messages.latest_in_thread(a["ws"], "C-A", "111.000")).id == a["sent"]
    assert await call("likes", "count", b, a["sent"]) == 0
    assert await call("likes", "has_liked", b, a["sent"], "UA") is False
    assert await call("likes", "users", b, a["sent"]) == []
    assert await call("decisions", "get", b, a["decision"]) is None
    assert await call("decisions", "list", b, "C-A") == []
    assert await call("roles", "has", b, "UA", "manager", "C-A") is False
    assert await call("roles", "holders", b, "manager", "C-A") == []
    assert await call("roles", "listing", b) == []
    assert await call("comments", "count", b, a["sent"]) == 0
    assert await call("comments", "list", b, a["sent"], include_deleted=True) == []
    assert await call("audit", "list", b) == []
    assert await call("forecasts", "last", b, "C-A") is None
    assert await call("forecasts", "list", b, "C-A") == []
    assert await call("forecasts", "outcomes", b, "C-A") == []

    # Writes aimed at tenant A's objects: refused or no-ops.
    assert await call("messages", "update_payload", b, a["sent"], {"hacked": True}) is None
    assert await call("likes", "add", b, a["sent"], "UB", "+1") is False
    assert await call("likes", "remove", b, a["sent"], "UA", "+1") is False
    assert await call("likes", "toggle_button", b, a["sent"], "UA") is False
    await call("decisions", "set_card", b, a["decision"], "999.999")
    assert await call("decisions", "mark_done", b, a["decision"], by="UB") == (None, False)
    assert await call("decisions", "adopt", b, a["decision"], baseline(deals=1), created_by="UB", note="x") == (
        None,
        None,
    )
    assert await call("roles", "remove", b, "UA", set_by="UB") == 0
    with pytest.raises(NotFound):
        await call(
            "decisions", "create", b, "C-A", key="form:B", sent_message_id=a["sent"], scenario_id=None,
            decided_by="UB", kind="keep", text="x", owner_id="UB", due_date=date(2026, 12, 15),
        )  # fmt: skip
    assert await call("comments", "upsert", b, a["sent"], author_id="UB", message_id="111.333", text="x") is False
    assert await call("comments", "delete", b, a["sent"], "111.333") is False
    with pytest.raises(NotFound):
        await call(
            "scenarios",
            "create",
            b,
            "C-A",
            question="q",
            intent="i",
            changes=[],
            baseline_id=a["baseline"],
            summary={},
            asked_by="UB",
        )
    with pytest.raises(NotFound):
        await call(
            "messages",
            "record",
            b,
            platform="teams",
            channel_id="C-A",
            message_id="x",
            kind="scenario",
            payload={},
            scenario_id=a["scenario"],
        )
    with pytest.raises(NotFound):
        await call(
            "forecasts", "record", b, "C-A", kind="nudge", p_hit=0.1, as_of=date(2026, 11, 16),
            period_end=date(2026, 12, 31), published_at=datetime(2026, 11, 17, tzinfo=UTC), baseline_id=a["baseline"],
        )  # fmt: skip
    with pytest.raises(NotFound):
        await call(
            "forecasts", "record_outcome", b, "C-A", period_end=date(2026, 9, 30), target=1.0, booked=0.0,
            recorded_at=datetime(2026, 10, 2, tzinfo=UTC), source="x", baseline_id=a["baseline"],
        )  # fmt: skip
    assert await call("workspaces", "update_settings", a["ws"] + b + 1000, currency="EUR") is None
    assert await snapshot(store) == before

    # Writes into tenant B's own space with tenant A's channel and message ids stay in tenant B.
    await call("conversations", "save_reference", b, "C-A", "channel", {"b": True})
    own = await call("baselines", "save", b, "C-A", baseline(deals=1), created_by="UB")
    await call("audit", "record", b, actor="UB", action="x", object_type="y")
    await call("roles", "set", b, "UA", "manager", set_by="UB", channel_id="C-A")
    await call("workspaces", "update_settings", b, currency="EUR")
    assert own.version == 1  # tenant A's channel C-A has its own version 1
    after = await snapshot(store)

    def of_a(table: str, rows: list[dict]) -> list[dict]:
        key = "id" if table == "workspaces" else "workspace_id"
        return [row for row in rows if row.get(key) == a["ws"]]

    for table in before:
        assert of_a(table, after[table]) == of_a(table, before[table]), table
    assert (await store.conversations.get_reference(a["ws"], "C-A")).reference == {"conversation": {"id": "C-A"}}
    assert (await store.baselines.latest(a["ws"], "C-A")).deal_count == 3
    assert (await store.workspaces.get_by_id(a["ws"])).currency == "USD"

    missed = public_methods(store) - UNSCOPED - called
    assert not missed, f"the sweep does not call {sorted(missed)}: add them here"
