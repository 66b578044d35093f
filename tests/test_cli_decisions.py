"""The operator's decision commands through `main(argv)`: roles set/list (give and take the manager role) and
decisions export's refusals (an unknown workspace, an unwritable --out). The export's CSV itself is compared
with the chat command's file in tests/e2e/test_decisions_slack.py."""

from __future__ import annotations

from bot.__main__ import main
from storage.migrate import upgrade


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_roles_are_given_listed_and_taken_away_by_an_operator(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    upgrade(url)
    ws = ["--platform", "teams", "--workspace", "tenant-1", "--db", url]
    lee = "00000000-0000-4000-8000-0000000011ee"
    code, out, err = run(capsys, "roles", "set", *ws, "--user", lee, "--role", "manager")
    assert (code, out.strip()) == (0, f"{lee} now has the manager role in every channel of tenant-1"), err
    code, out, _ = run(capsys, "roles", "set", *ws, "--user", "sam", "--role", "manager", "--channel", "19:c")
    assert "in channel 19:c" in out
    code, out, _ = run(capsys, "roles", "list", *ws)
    assert out.splitlines() == [f"{lee}\tmanager\t*", "sam\tmanager\t19:c"]
    code, out, _ = run(capsys, "roles", "set", *ws, "--user", lee, "--role", "none")
    assert (code, out.strip()) == (0, f"{lee}: 1 manager role(s) removed")
    code, out, _ = run(capsys, "roles", "set", *ws, "--user", " ", "--role", "manager")
    assert code == 2


def test_decisions_export_refuses_an_unknown_workspace_and_an_unwritable_file(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    upgrade(url)
    where = ["--platform", "slack", "--workspace", "T-NONE", "--channel", "C1", "--db", url]
    code, out, err = run(capsys, "decisions", "export", *where)
    assert (code, out) == (1, "") and "slack/T-NONE is not known to this database" in err
    run(capsys, "roles", "set", "--platform", "slack", "--workspace", "T1", "--user", "U1", "--role", "manager",
        "--db", url)  # fmt: skip
    known = ["--platform", "slack", "--workspace", "T1", "--channel", "C1", "--db", url]
    code, out, _ = run(capsys, "decisions", "export", *known)
    assert code == 0 and out.splitlines()[0].startswith("Id,Decided at,Decision,Text,Scenario")
    code, _, err = run(capsys, "decisions", "export", *known, "--out", str(tmp_path / "no-such-dir" / "x.csv"))
    assert code == 2 and "--out: cannot write" in err
