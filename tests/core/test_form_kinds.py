"""Form fields of every kind (people, choices, dates, times, numbers) render to a modal Slack accepts, an Adaptive
Card with the Teams people picker and console prompts, and come back from each platform as the same values; a
DM is opened and sent once per key, and a person who cannot be reached is recorded, not retried."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.console.render import console_value, render_form_prompt
from bot.core.cards import CardError, Form, FormField, Option, users_value
from bot.core.events import Place
from bot.core.jobs import SendError
from bot.core.outbox import DurableOutbox
from bot.core.ports import Sent
from bot.slack import translate
from bot.slack.outbox import build_modal
from bot.teams.render import render_form
from storage import Storage
from tests.db_fixtures import *  # noqa: F403 (database fixtures)
from tests.fakes import slack_payloads as sp
from tests.fakes.platform_server import view_problem

PLACE = Place("slack", "T_TEAM", "C_SALES", "100.1")
DRIVERS = (Option("win_rate", "Win rate"), Option("deal_size", "Deal size"))
FORM = Form(
    "invite",
    "Ask an expert",
    (
        FormField("who", "Who", kind="users", max_selected=10, initial=("U_DANA",)),
        FormField("question", "Question", initial="Is 9 new opportunities per rep per week really possible?"),
        FormField("driver", "About", kind="select", options=DRIVERS, optional=True, initial="win_rate"),
        FormField("day", "Date", kind="date", initial="2026-12-03"),
        FormField("start", "Start", kind="time", initial="14:30"),
        FormField("estimate", "Estimate", kind="number", optional=True),
    ),
)


def test_a_modal_with_every_kind_is_one_slack_accepts_and_comes_back_typed():
    modal = build_modal(FORM, PLACE)
    assert view_problem(modal) is None
    elements = {b["block_id"]: b["element"] for b in modal["blocks"]}
    assert elements["field:who"]["type"] == "multi_users_select"
    assert elements["field:who"]["initial_users"] == ["U_DANA"]
    assert elements["field:driver"]["initial_option"]["value"] == "win_rate"
    assert [b.get("optional", False) for b in modal["blocks"]] == [False, False, True, False, False, True]
    submitted = {
        "who": ["U_SAM", "U_PRIYA"],
        "question": "Can we do 9?",
        "driver": sp.select("deal_size"),
        "day": sp.date("2026-12-04"),
        "start": sp.time_of_day("09:15"),
        "estimate": sp.number("8.5"),
    }
    body = json.loads(_payload(sp.view_submission("invite", submitted)))
    event = translate.form_event(body, "T_TEAM")
    assert event.values == {
        "who": ["U_SAM", "U_PRIYA"],
        "question": "Can we do 9?",
        "driver": "deal_size",
        "day": "2026-12-04",
        "start": "09:15",
        "estimate": "8.5",
    }
    # nothing chosen in an optional select or picker: empty, never None or a crash
    empty = _payload(sp.view_submission("invite", {"driver": sp.select(None), "day": sp.date(None), "who": []}))
    assert translate.form_event(json.loads(empty), "T_TEAM").values == {"driver": "", "day": "", "who": []}


def _payload(encoded: tuple[str, str]) -> str:
    from urllib.parse import parse_qs

    body, _ = encoded
    return parse_qs(body)["payload"][0]


def test_the_fake_refuses_what_slack_refuses():
    modal = build_modal(FORM, PLACE)
    broken = json.loads(json.dumps(modal))
    broken["blocks"][2]["element"]["options"] = []
    assert "options" in view_problem(broken)
    broken = json.loads(json.dumps(modal))
    del broken["blocks"][5]["element"]["is_decimal_allowed"]
    assert "is_decimal_allowed" in view_problem(broken)
    broken = json.loads(json.dumps(modal))
    broken["blocks"][3]["element"]["initial_date"] = "3/12/2026"
    assert "YYYY-MM-DD" in view_problem(broken)


def test_teams_gets_the_people_picker_and_its_comma_separated_ids_read_as_a_list():
    card = render_form(FORM)
    inputs = {item["id"]: item for item in card["body"] if "id" in item and item["id"] != "title"}
    who = inputs["who"]
    assert who["type"] == "Input.ChoiceSet" and who["isMultiSelect"] is True
    assert who["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    assert [inputs[k]["type"] for k in ("day", "start", "estimate")] == ["Input.Date", "Input.Time", "Input.Number"]
    assert [c["value"] for c in inputs["driver"]["choices"]] == ["win_rate", "deal_size"]
    assert users_value("aad-1, aad-2,,aad-1") == ["aad-1", "aad-2"]
    assert users_value(["U_SAM", "U_SAM", " "]) == ["U_SAM"]
    assert users_value(None) == []


def test_the_console_asks_each_kind_in_words_and_reads_answers_as_the_platforms_send_them():
    prompt = render_form_prompt(FORM)
    assert "@names separated by commas" in prompt and "one of: win_rate (Win rate), deal_size (Deal size)" in prompt
    fields = {f.id: f for f in FORM.fields}
    assert console_value(fields["who"], "@Priya, sam ,@priya") == ["priya", "sam", "priya"]
    assert users_value(console_value(fields["who"], "@Priya, sam ,@priya")) == ["priya", "sam"]
    assert console_value(fields["driver"], "Deal Size") == "deal_size"
    assert console_value(fields["day"], " 2026-12-03 ") == "2026-12-03"


def test_a_select_without_options_or_an_unknown_kind_is_a_programming_error():
    with pytest.raises(CardError, match="select needs 1 to 100 options"):
        FormField("driver", "About", kind="select")
    with pytest.raises(CardError, match="kind 'people'"):
        FormField("who", "Who", kind="people")


class _Sender:
    platform = "slack"
    can_reconcile = False
    charts_by_url = False

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.opened: list[str] = []
        self.posts: list[tuple[str, str]] = []
        self.refuse = refuse or set()

    async def open_dm(self, workspace_external_id: str, user_id: str) -> Place:
        self.opened.append(user_id)
        if user_id in self.refuse:
            raise SendError("refused", "user_not_found")
        return Place("slack", workspace_external_id, f"D_{user_id}", None, True)

    async def post(self, place, message, *, thread_id, key, chart_url) -> Sent:
        self.posts.append((place.channel_id, str(message)))
        return Sent(f"{len(self.posts)}.0", place)


async def test_a_dm_is_opened_and_sent_once_per_key_and_an_unreachable_person_is_not_asked_again(database_url):
    storage = Storage.from_url(database_url)
    try:
        workspace = await storage.workspaces.ensure("slack", "T_TEAM")
        sender = _Sender(refuse={"U_GONE"})

        def outbox() -> DurableOutbox:  # one per job run, as the worker makes them
            return DurableOutbox(
                storage, sender, scope="job:x", workspace_id=workspace.id, clock=lambda: datetime.now(UTC)
            )

        first = await outbox().dm(PLACE, "U_SAM", "Dana asks you", key="dm:inv-1")
        again = await outbox().dm(PLACE, "U_SAM", "Dana asks you", key="dm:inv-1")
        assert first is not None and again is not None
        assert (first.message_id, first.place.channel_id, first.place.is_dm) == ("1.0", "D_U_SAM", True)
        assert again.message_id == first.message_id
        assert sender.posts == [("D_U_SAM", "Dana asks you")] and sender.opened == ["U_SAM"]

        assert await outbox().dm(PLACE, "U_GONE", "hello", key="dm:inv-2") is None
        assert await outbox().dm(PLACE, "U_GONE", "hello", key="dm:inv-2") is None
        assert sender.opened == ["U_SAM", "U_GONE"]  # the refusal is recorded: not asked again
        assert (await storage.outbox.get("dm:inv-2")).status == "failed"
    finally:
        await storage.dispose()


async def test_a_feature_job_is_queued_once_per_key_for_its_due_time(database_url):
    from bot.core.assistant import Assistant
    from bot.core.features import job_handlers

    storage = Storage.from_url(database_url)
    assistant = Assistant(storage)
    try:
        due = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
        assert await assistant.later("test.remind", "remind:inv-1", {"invitation": 1}, run_at=due, workspace_id=None)
        assert not await assistant.later(
            "test.remind", "remind:inv-1", {"invitation": 1}, run_at=due, workspace_id=None
        )
        job = await storage.jobs.get("remind:inv-1")
        assert (job.kind, job.payload, job.run_at) == ("test.remind", {"invitation": 1}, due)
        assert "nudge" in job_handlers()
    finally:
        await assistant.close()
        await storage.dispose()
