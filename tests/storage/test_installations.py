"""Slack installations in our database: tokens sealed at rest (the raw SQLite file never holds one), refused
without SECRET_KEY, readable across a key rotation; single-use OAuth states; one refresh per rotation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from storage import NoSecretKey, Refreshed, Secrets, SecretUnreadable, SlackBot, SlackInstaller, Storage, make_engine
from storage.models_install import SlackBotRow

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN, REFRESH, USER_TOKEN = "xoxe.xoxb-1-T9-0000secretbot", "xoxe-1-T9-0000secretrefresh", "xoxp-9-secretuser"
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def _bot(ws: int, **changes) -> SlackBot:
    values = dict(
        workspace_id=ws,
        enterprise_id=None,
        team_id="T9",
        is_enterprise_install=False,
        bot_id="B9",
        bot_user_id="U_BOT9",
        bot_scopes="commands,chat:write",
        bot_token=TOKEN,
        bot_refresh_token=REFRESH,
        bot_token_expires_at=NOW + timedelta(hours=12),
        team_name="Acme",
    )
    values.update(changes)
    return SlackBot(**values)


def _installer(ws: int) -> SlackInstaller:
    return SlackInstaller(
        workspace_id=ws, enterprise_id=None, team_id="T9", user_id="U_ADMIN", is_enterprise_install=False,
        user_token=USER_TOKEN, incoming_webhook_url="https://hooks.slack.com/services/T9/B9/secrethook",
    )  # fmt: skip


@pytest.fixture
async def sealed(database_url):
    storage = Storage(make_engine(database_url), secrets=Secrets([OLD]))
    yield storage
    await storage.dispose()


async def test_no_token_is_stored_in_clear(sealed, database_url):
    ws = await sealed.workspaces.ensure("slack", "T9")
    await sealed.slack_installs.save(_installer(ws.id), _bot(ws.id))
    found = await sealed.slack_installs.find_bot(None, "T9")
    assert (found.bot_token, found.bot_refresh_token) == (TOKEN, REFRESH)
    assert (await sealed.slack_installs.find_installer(None, "T9")).user_token == USER_TOKEN
    assert TOKEN not in repr(found)  # records keep tokens out of repr too
    async with sealed.engine.connect() as conn:
        stored = (await conn.execute(select(SlackBotRow.bot_token))).scalar_one()
    assert stored != TOKEN and Fernet(OLD.encode()).decrypt(stored.encode()).decode() == TOKEN
    if database_url.startswith("sqlite"):
        async with sealed.engine.connect() as conn:
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # everything written into the file itself
        path = Path(make_url(database_url).database)
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.suffix != ".lock")
        assert b"U_BOT9" in raw and b"Acme" in raw  # the rows are in these bytes: only the tokens are not
        for secret in (TOKEN, REFRESH, USER_TOKEN, "secrethook", "secret"):
            assert secret.encode() not in raw, f"{secret!r} is in the database file in clear"


async def test_without_secret_key_nothing_is_stored_and_the_message_says_what_to_do(database_url):
    storage = Storage(make_engine(database_url))  # no SECRET_KEY
    try:
        ws = await storage.workspaces.ensure("slack", "T9")
        with pytest.raises(NoSecretKey, match="SECRET_KEY is not set: tokens are stored only encrypted"):
            await storage.slack_installs.save(_installer(ws.id), _bot(ws.id))
        assert await storage.slack_installs.find_bot(None, "T9") is None
        assert await storage.slack_installs.find_installer(None, "T9") is None
    finally:
        await storage.dispose()


async def test_keys_rotate_new_first_then_the_old_key_can_go(sealed, database_url):
    ws = await sealed.workspaces.ensure("slack", "T9")
    await sealed.slack_installs.save(_installer(ws.id), _bot(ws.id))
    both = Storage(make_engine(database_url), secrets=Secrets([NEW, OLD]))
    only_new = Storage(make_engine(database_url), secrets=Secrets([NEW]))
    try:
        with pytest.raises(SecretUnreadable, match="put back the key"):
            await only_new.slack_installs.find_bot(None, "T9")  # sealed with OLD, which it does not have
        assert (await both.slack_installs.find_bot(None, "T9")).bot_token == TOKEN
        assert await both.slack_installs.reseal() == 2  # the bot and its installer, sealed again with NEW
        assert (await only_new.slack_installs.find_bot(None, "T9")).bot_token == TOKEN
        assert (await only_new.slack_installs.find_installer(None, "T9")).user_token == USER_TOKEN
    finally:
        await both.dispose()
        await only_new.dispose()


async def test_org_wide_and_workspace_installs_are_kept_apart(sealed):
    org = await sealed.workspaces.ensure("slack", "E1")
    await sealed.slack_installs.save(None, _bot(org.id, enterprise_id="E1", team_id=None, is_enterprise_install=True))
    await sealed.slack_installs.save(None, _bot(org.id, enterprise_id="E1", team_id="T2", bot_token="xoxb-T2"))
    assert (await sealed.slack_installs.find_bot("E1", None)).is_enterprise_install
    assert (await sealed.slack_installs.find_bot("E1", "T2")).bot_token == "xoxb-T2"
    # for the tenant's sends outside requests, the org-wide install comes first
    assert [b.team_id for b in await sealed.slack_installs.bots_of(org.id)] == [None, "T2"]
    assert await sealed.slack_installs.delete_bot("E1", None) == 1
    assert [b.team_id for b in await sealed.slack_installs.bots_of(org.id)] == ["T2"]


async def test_an_oauth_state_is_good_once_and_only_until_it_expires(store):
    await store.oauth_states.issue("s-1", expires_at=NOW + timedelta(seconds=600), now=NOW)
    await store.oauth_states.issue("s-2", expires_at=NOW + timedelta(seconds=600), now=NOW)
    assert await store.oauth_states.consume("forged", now=NOW) is False
    assert await store.oauth_states.consume("s-1", now=NOW + timedelta(seconds=599)) is True
    assert await store.oauth_states.consume("s-1", now=NOW + timedelta(seconds=599)) is False  # reused
    assert await store.oauth_states.consume("s-2", now=NOW + timedelta(seconds=601)) is False  # expired
    await store.oauth_states.issue("s-3", expires_at=NOW + timedelta(seconds=600), now=NOW)
    results = await asyncio.gather(*(store.oauth_states.consume("s-3", now=NOW) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_concurrent_rotations_in_one_process_spend_the_refresh_token_once(sealed):
    ws = await sealed.workspaces.ensure("slack", "T9")
    await sealed.slack_installs.save(None, _bot(ws.id, bot_token_expires_at=NOW + timedelta(minutes=5)))
    refreshes = []

    async def refresh(bot: SlackBot) -> Refreshed:
        refreshes.append(bot.bot_refresh_token)
        await asyncio.sleep(0.05)  # the Web API call: others must wait, not start their own
        n = len(refreshes)
        return Refreshed(f"xoxe.xoxb-new-{n}", f"xoxe-1-new-{n}", NOW + timedelta(hours=12))

    def due(bot: SlackBot) -> bool:
        return bot.bot_token_expires_at <= NOW + timedelta(minutes=10)

    bots = await asyncio.gather(
        *(sealed.slack_installs.rotate_bot(None, "T9", due=due, refresh=refresh) for _ in range(4))
    )
    assert refreshes == [REFRESH]
    assert {b.bot_token for b in bots} == {"xoxe.xoxb-new-1"}
    assert (await sealed.slack_installs.find_bot(None, "T9")).bot_refresh_token == "xoxe-1-new-1"
