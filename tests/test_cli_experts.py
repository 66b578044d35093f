"""`python -m bot experts settings`: a workspace's invitation limits shown, changed, checked and reset."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.__main__ import main
from storage import Storage
from storage.migrate import upgrade


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_settings_show_change_and_reset_the_limits(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    upgrade(url)
    where = ["--platform", "slack", "--workspace", "T123", "--db", url]
    code, _, err = run(capsys, "experts", "settings", *where)
    assert code == 1 and "slack/T123 is not known to this database" in err

    async def create() -> None:
        async with Storage.from_url(url) as storage:
            await storage.workspaces.ensure("slack", "T123")

    asyncio.run(create())
    code, out, _ = run(capsys, "experts", "settings", *where)
    assert out.strip() == (
        "Expert invitations in slack/T123: chains up to 3 deep, at most 50 invitations per card, expiring after 7 days."
    )
    code, out, _ = run(capsys, "experts", "settings", *where, "--max-depth", "4", "--expiry-days", "14", "--json")
    assert code == 0 and json.loads(out) == {
        "platform": "slack", "workspace": "T123", "max_depth": 4, "max_per_card": 50, "expiry_days": 14,
    }  # fmt: skip
    with pytest.raises(SystemExit) as exit_info:
        main(["experts", "settings", *where, "--max-depth", "11"])
    assert exit_info.value.code == 2 and "expected a whole number from 1 to 10, got '11'" in capsys.readouterr().err
    code, out, _ = run(capsys, "experts", "settings", *where, "--default", "--json")
    assert json.loads(out)["max_depth"] == 3 and json.loads(out)["expiry_days"] == 7
