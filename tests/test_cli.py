"""The command line through `main(argv)`: ask (text and JSON), baseline import/show, serve's start-up refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.core.baselines.feature import sample_baseline
from engine.baseline import parse_baseline
from engine.forecast import forecast
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_answers_a_what_if_with_the_engines_numbers(capsys):
    code, out, err = run(capsys, "ask", "--json", "what if win rate drops to 20%")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["intent"] == "whatif"
    assert answer["changes"] == [{"driver": "win_rate", "from": 0.25, "to": 0.2}]
    base = parse_baseline(sample_baseline())
    assert answer["baseline"]["p_hit"] == pytest.approx(forecast(base).p_hit, abs=1e-12)
    assert answer["scenario"]["p_hit"] < answer["baseline"]["p_hit"]
    assert len(answer["baseline"]["weekly"]) == 7  # 2026-11-16 to 2026-12-31: six full weeks and a stub
    assert "20%" in answer["text"] and "P(reach target)" in answer["text"]
    # a terminal is not a chat: no markup, no buttons to press, no likes footer
    assert "*" not in answer["text"] and "/click" not in answer["text"] and "likes" not in answer["text"]


def test_ask_prints_the_card_as_text(capsys):
    code, out, _ = run(capsys, "ask", "do we reach the target?")
    assert code == 0
    assert "chance of reaching the $3.25M target" in out and "Expected bookings" in out
    assert "*" not in out and "/click" not in out and "Like" not in out and "0 likes" not in out


def test_ask_an_unreadable_question_still_answers_with_examples(capsys):
    code, out, err = run(capsys, "ask", "--json", "banana smoothie recipe please")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["intent"] == "unknown"
    assert answer["changes"] == [] and answer["scenario"] is None
    assert "Try one of these" in answer["text"]
    assert answer["text"].count("“") >= 3  # three example questions


def test_ask_a_vague_question_prints_did_you_mean_and_the_questions(capsys):
    code, out, err = run(capsys, "ask", "--json", "what if things get worse")
    assert code == 0, err  # like an unreadable question: an answer, not an error
    answer = json.loads(out)
    assert answer["intent"] == "clarify" and answer["changes"] == [] and answer["scenario"] is None
    assert 1 <= len(answer["suggestions"]) <= 3
    assert "Did you mean" in answer["text"] and all(q in answer["text"] for q in answer["suggestions"])
    assert "Tap" not in answer["text"]  # a terminal has no buttons
    code, out, _ = run(capsys, "ask", "what if 3 reps")
    assert code == 0 and "what if we hire 3 reps" in out


def test_ask_json_back_solves_reps_like_the_engine(capsys):
    from engine import required_value

    code, out, err = run(capsys, "ask", "--json", "how many reps do we need to be 90% sure?")
    assert code == 0, err
    answer = json.loads(out)
    need = required_value(parse_baseline(sample_baseline()), "reps", 0.9)
    assert answer["intent"] == "required_value" and answer["solve_for"] == "reps"
    assert answer["requirement"] == pytest.approx(need.to_dict())
    assert answer["baseline"]["p_hit"] == pytest.approx(forecast(parse_baseline(sample_baseline())).p_hit)
    assert answer["at_risk_owners"] == [] and answer["at_risk_deals"] == []
    assert f"you need {need.value} reps" in answer["text"] and "*" not in answer["text"]


def test_ask_json_names_a_leaving_reps_deals_at_risk(capsys):
    code, out, err = run(capsys, "ask", "--json", "what if Luis leaves")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["intent"] == "whatif" and answer["changes"] == [{"driver": "reps", "from": 10, "to": 9}]
    assert answer["at_risk_owners"] == ["Luis"] and "OPP-1004" in answer["at_risk_deals"]
    assert answer["solve_for"] is None and answer["requirement"] is None
    assert "Soylent platform deal: $245k at 60%, closes Dec 27" in answer["text"]


def test_ask_json_keeps_reporting_a_hire_as_reps_10_to_12(capsys):
    code, out, _ = run(capsys, "ask", "--json", "what if we hire 2 reps")
    answer = json.loads(out)
    assert code == 0 and answer["changes"] == [{"driver": "reps", "from": 10, "to": 12}]
    assert {"intent", "changes", "baseline", "scenario", "text"} <= set(answer)
    assert answer["scenario"]["ramp"]["new_reps"] == 2


def test_ask_with_a_bad_baseline_file_names_every_problem(tmp_path, capsys):
    bad = dict(sample_baseline(), win_rate=1.4)
    del bad["target"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    code, out, err = run(capsys, "ask", "--baseline", str(path), "do we reach the target?")
    assert code == 2 and out == ""
    assert "target: required but missing" in err
    assert "win_rate: must be between 0 and 1" in err
    assert "Traceback" not in err


def test_ask_with_a_file_that_is_not_json(tmp_path, capsys):
    path = tmp_path / "oops.json"
    path.write_text('{"target": 1,\n  oops}')
    code, _, err = run(capsys, "ask", "--baseline", str(path), "do we reach the target?")
    assert code == 2 and "not valid JSON (line 2" in err


def test_baseline_import_then_show_round_trips_and_is_scoped_by_channel(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    upgrade(url)
    path = tmp_path / "team.json"
    path.write_text(json.dumps(sample_baseline()))
    where = ["--platform", "slack", "--workspace", "T123", "--channel", "C456", "--db", url]
    code, out, err = run(capsys, "baseline", "import", str(path), *where)
    assert (code, out.strip()) == (0, "baseline v1 saved for slack/T123/C456: 60 deals"), err
    code, out, _ = run(capsys, "baseline", "import", str(path), *where)
    assert out.strip().startswith("baseline v2 saved")

    code, out, _ = run(capsys, "baseline", "show", "--json", *where)
    assert code == 0 and json.loads(out) == parse_and_dump(sample_baseline())
    other = ["--platform", "slack", "--workspace", "T123", "--channel", "C999", "--db", url]
    code, out, err = run(capsys, "baseline", "show", *other)
    assert code == 1 and out == ""
    assert "slack/T123/C999 has no baseline" in err and "baseline import" in err


def parse_and_dump(data):
    from engine.baseline import baseline_to_dict

    return baseline_to_dict(parse_baseline(data))


def test_baseline_commands_refuse_an_unmigrated_database(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    code, _, err = run(
        capsys, "baseline", "show", "--platform", "slack", "--workspace", "T", "--channel", "C", "--db", url
    )
    assert code == 2 and "python -m storage upgrade" in err and "Traceback" not in err


APP_ID = "8c2f6f0e-1b7a-4c1e-9d35-2a1f0b6e4c11"
REFUSED_IN_PRODUCTION = {
    "Teams without an app id": ({}, "MICROSOFT_APP_ID is not set"),
    "MultiTenant without a password": (
        {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TYPE": "MultiTenant"},
        "MICROSOFT_APP_PASSWORD is not set for MICROSOFT_APP_TYPE=MultiTenant",
    ),
    "SingleTenant without its tenant": (
        {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "x"},
        "MICROSOFT_APP_TENANT_ID is not set for MICROSOFT_APP_TYPE=SingleTenant",
    ),
    "Slack without a signing secret": (
        {"TEAMS_ENABLED": "false", "SLACK_BOT_TOKEN": "xoxb-1-2-x"},
        "SLACK_SIGNING_SECRET is not set",
    ),
}


@pytest.mark.parametrize("case", REFUSED_IN_PRODUCTION)
def test_S4_T3_serve_refuses_production_settings_without_credentials(tmp_path, monkeypatch, capsys, case):
    env, expected = REFUSED_IN_PRODUCTION[case]
    monkeypatch.setenv("SCENARIO_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = run(capsys, "serve")
    assert code == 2 and expected in err, err
    assert "Traceback" not in err and not out


def test_serve_refuses_a_database_behind_its_migrations(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    code, _, err = run(capsys, "serve")
    assert code == 2 and "python -m storage upgrade" in err


def test_the_module_runs_as_a_program():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "what if we add 2 reps"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changes"] == [{"driver": "reps", "from": 10, "to": 12}]
