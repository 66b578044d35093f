"""A workspace with a row in every table that holds workspace data, written through the repositories, for the
export / delete / cancel tests (tests/storage/test_workspace_data.py, tests/test_cli_workspace.py).

`fill(store, external_id)` returns the workspace. The rows a request makes carry the tenant only through the
inbox (a job keyed `slack:<delivery>`, its outbox rows keyed `job:slack:<delivery>:<n>`, the chart such a row
shows): those are written too, with an empty workspace_id, as the request path writes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from storage import NewJob, Secrets, SlackBot, SlackInstaller, Storage, Workspace, make_engine
from tests.storage.helpers import baseline

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
TOKEN_PREFIX = "xoxb-fill-secret-"
KEY = Fernet.generate_key().decode()


@pytest.fixture
async def sealed_store(database_url: str) -> AsyncIterator[Storage]:
    """A Storage on the test database that can seal tokens (SECRET_KEY=KEY)."""
    storage = Storage(make_engine(database_url), secrets=Secrets([KEY]))
    try:
        yield storage
    finally:
        await storage.dispose()


async def fill(store: Storage, external: str) -> Workspace:
    ws = await store.workspaces.ensure("slack", external, f"Team {external}")
    channel = f"C-{external}"
    await store.conversations.save_reference(ws.id, channel, "channel", {"conversation": {"id": channel}})
    base = await store.baselines.save(ws.id, channel, baseline(deals=2), created_by="U1")
    scenario = await store.scenarios.create(
        ws.id, channel, question="what if", intent="what_if", changes=[], baseline_id=base.id, summary={}, asked_by="U1"
    )
    sent = await store.messages.record(
        ws.id, platform="slack", channel_id=channel, message_id=f"{external}.1", kind="scenario", payload={"v": 1},
        scenario_id=scenario.id,
    )  # fmt: skip
    await store.likes.add(ws.id, sent.id, "U2", "+1")
    await store.comments.upsert(ws.id, sent.id, author_id="U2", message_id=f"{external}.2", text="nice")
    await store.audit.record(ws.id, actor="U1", action="baseline.saved", object_type="baseline", object_id=base.id)
    await store.forecasts.record(
        ws.id, channel, kind="nudge", p_hit=0.4, as_of=date(2026, 11, 16), period_end=date(2026, 12, 31),
        published_at=NOW, baseline_id=base.id, key=f"nudge:{external}:1",
    )  # fmt: skip
    await store.forecasts.record_outcome(
        ws.id, channel, period_end=date(2026, 9, 30), target=100.0, booked=120.0, recorded_at=NOW,
        source="baseline", baseline_id=base.id,
    )  # fmt: skip
    await store.imports.create(
        ws.id, channel, created_by="U1", source_name="pipeline.csv", candidate=baseline(deals=1), preview={}, now=NOW
    )
    await store.schedules.put(
        f"nudge:slack:{external}:{channel}", kind="nudge", cron="0 9 * * 1", timezone="UTC", payload={},
        next_run_at=NOW + timedelta(days=7), workspace_id=ws.id,
    )  # fmt: skip
    await store.jobs.enqueue(NewJob("footer", f"footer:{ws.id}:{sent.id}", {}, workspace_id=ws.id), now=NOW)
    # a request's job: the tenant only in the inbox row; its sends and the chart one of them shows
    delivery = f"Ev-{external}"
    await store.inbox.accept("slack", delivery, external, NewJob("event", f"slack:{delivery}", {}), now=NOW)
    chart = await store.charts.put(None, b"\x89PNG request chart")
    await store.outbox.begin(
        f"job:slack:{delivery}:1", workspace_id=None, platform="slack", operation="post", channel_id=channel,
        thread_id=None, now=NOW, chart_token=chart,
    )  # fmt: skip
    await store.charts.put(ws.id, b"\x89PNG nudge chart")
    await store.outbox.begin(
        f"nudge:slack:{external}:{channel}:1", workspace_id=ws.id, platform="slack", operation="post",
        channel_id=channel, thread_id=None, now=NOW,
    )  # fmt: skip
    bot = SlackBot(
        workspace_id=ws.id, enterprise_id=None, team_id=external, is_enterprise_install=False, bot_id="B1",
        bot_user_id="U_BOT", bot_scopes="chat:write", bot_token=f"{TOKEN_PREFIX}{external}",
    )  # fmt: skip
    installer = SlackInstaller(
        workspace_id=ws.id, enterprise_id=None, team_id=external, user_id="U1", is_enterprise_install=False,
        user_token=f"xoxp-fill-secret-{external}",
    )  # fmt: skip
    await store.slack_installs.save(installer, bot)
    # the decision log, experts and workshops: a row in each of their tables
    await store.decisions.create(
        ws.id, channel, key=f"decide:{external}", sent_message_id=sent.id, scenario_id=scenario.id, decided_by="U1",
        kind="keep", text="keep the plan", owner_id="U2", due_date=date(2026, 12, 15),
    )  # fmt: skip
    await store.roles.set(ws.id, "U3", "manager", set_by="U1")
    invitation = await store.experts.invite(
        ws.id, sent_message_id=sent.id, channel_id=channel, inviter_id="U1", inviter_name="Dana", invitee_id="U4",
        invitee_name="Sam", parent_id=None, depth=1, question="realistic?", driver="win_rate",
        expires_at=NOW + timedelta(days=7), max_per_card=50,
    )  # fmt: skip
    assert not isinstance(invitation, str)
    await store.experts.save_estimate(
        ws.id, invitation.id, text="22%", driver="win_rate", changes=[], p_hit=0.3, message_id=f"{external}.3"
    )
    await store.experts.set_settings(ws.id, actor="U1", max_depth=4)
    workshop = await store.workshops.save_draft(
        ws.id, platform="slack", channel_id=channel, organiser_id="U1",
        plan={"title": "Q1 plan", "timezone": "UTC", "start_at": NOW, "end_at": NOW + timedelta(hours=2)},
        agenda=[{"title": "Review", "minutes": 30, "visual_aid": "", "activity": ""}],
        questions=[{"kind": "rating", "text": "Useful?", "options": [], "driver": None}],
        participants=["U2"], form={}, now=NOW,
    )  # fmt: skip
    await store.workshops.survey_sent(ws.id, workshop, now=NOW, closes_at=NOW + timedelta(days=3))
    await store.workshops.save_answer(ws.id, workshop, "U2", {"1": "4"}, now=NOW)
    # a storage-level fill: a Teams install row under this workspace, so that table is covered too
    await store.teams_installs.installed(ws.id, f"19:{external}@thread.tacv2", "team", now=NOW)
    return ws
