"""`python -m bot workspace list | export | delete | rekey` through `main(argv)` on a real database: the export is
all of one workspace's data without a token, delete says what it would remove and needs --yes, then removes it
all in one go, and rekey moves the stored tokens to a new SECRET_KEY."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from bot.__main__ import main
from storage import Secrets, Storage, make_engine
from storage.models import Base
from tests.db_fixtures import database_url, empty_database_url, run_sync  # noqa: F401 (fixtures)
from tests.storage.workspace_fill import KEY, TOKEN_PREFIX, fill

SCOPED = {table.name for table in Base.metadata.sorted_tables if "workspace_id" in table.c}


@pytest.fixture
def filled(database_url):  # noqa: F811
    async def go() -> None:
        store = Storage(make_engine(database_url), secrets=Secrets([KEY]))
        try:
            await fill(store, "T-A")
            await fill(store, "T-B")
        finally:
            await store.dispose()

    run_sync(go)
    return database_url


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_workspace_and_where_it_is_installed(filled, capsys):
    code, out, _ = _run(capsys, "workspace", "list", "--db", filled)
    assert code == 0
    assert out.splitlines() == ["slack   T-A (Team T-A)  installed: T-A", "slack   T-B (Team T-B)  installed: T-B"]
    code, out, _ = _run(capsys, "workspace", "list", "--json", "--db", filled)
    assert [(w["workspace"], w["installed"]) for w in json.loads(out)] == [("T-A", ["T-A"]), ("T-B", ["T-B"])]


def test_export_prints_all_of_one_workspace_as_json_without_tokens(filled, capsys):
    code, out, _ = _run(capsys, "workspace", "export", "--platform", "slack", "--workspace", "T-A", "--db", filled)
    assert code == 0
    exported = json.loads(out)
    assert exported["workspace"] == "T-A" and set(exported["tables"]) == SCOPED | {"inbox", "workspaces"}
    assert all(exported["tables"].values()), "every table has this workspace's rows"
    for name in ("baselines", "scenarios", "pending_imports", "likes", "comments", "schedules", "jobs", "outbox"):
        assert exported["tables"][name], name
    assert TOKEN_PREFIX not in out and "xoxp-" not in out and "T-B" not in out
    code, _, err = _run(capsys, "workspace", "export", "--platform", "slack", "--workspace", "T-NONE", "--db", filled)
    assert code == 1 and "no slack workspace 'T-NONE'" in err and "workspace list" in err


def test_delete_says_what_it_would_delete_and_needs_yes(filled, capsys):
    args = ["workspace", "delete", "--platform", "slack", "--workspace", "T-A", "--db", filled]
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == ""
    assert "would delete every row of slack workspace T-A" in err and "Nothing was deleted" in err
    assert "  slack_bots: 1" in err and "  workspaces: 1" in err and "--yes" in err
    code, out, _ = _run(capsys, "workspace", "export", "--platform", "slack", "--workspace", "T-A", "--db", filled)
    assert code == 0  # still there

    code, out, _ = _run(capsys, *args, "--yes")
    assert code == 0 and "deleted slack workspace T-A" in out and "one transaction" in out
    code, _, err = _run(capsys, "workspace", "export", "--platform", "slack", "--workspace", "T-A", "--db", filled)
    assert code == 1
    code, out, _ = _run(capsys, "workspace", "export", "--platform", "slack", "--workspace", "T-B", "--db", filled)
    assert all(json.loads(out)["tables"].values())  # the other workspace keeps every row


def test_rekey_moves_the_tokens_to_the_new_key(filled, capsys, monkeypatch):
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("SECRET_KEY", f"{new},{KEY}")
    code, out, _ = _run(capsys, "workspace", "rekey", "--db", filled)
    assert code == 0 and out.startswith("4 rows holding tokens sealed again")  # 2 workspaces x (bot + installer)

    async def read() -> str:
        store = Storage(make_engine(filled), secrets=Secrets([new]))  # the old key is gone
        try:
            return (await store.slack_installs.find_bot(None, "T-A")).bot_token
        finally:
            await store.dispose()

    assert run_sync(read) == f"{TOKEN_PREFIX}T-A"
    monkeypatch.setenv("SECRET_KEY", Fernet.generate_key().decode())  # a key that sealed nothing here
    code, _, err = _run(capsys, "workspace", "rekey", "--db", filled)
    assert code == 2 and "cannot be decrypted with any SECRET_KEY key" in err
