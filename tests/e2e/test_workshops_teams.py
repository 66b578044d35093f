"""Workshops end to end on Teams: Bot Framework activities over real HTTP (anonymous mode), the worker on a pinned
clock, every Connector call answered by the fake (Create Conversation for the 1:1 chats included).

The organiser @mentions `workshop`, fills the input card, sees the findings and sends; each participant (people
picker: AAD ids) gets one invitation in a 1:1 chat; an Attend carries the person's `localTimezone`, which times the
reminder; at end + 1 h each gets the survey once; three answers through input cards give the results card with the
engine's P for the team's median."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.app import build_services, create_web_app
from bot.config import Settings, SlackSettings, TeamsSettings
from bot.core.baselines.feature import sample_baseline
from bot.core.formatting import pct
from engine.baseline import parse_baseline
from engine.changes import Change, apply_changes
from engine.forecast import forecast
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import BOT_TOKEN
from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SURVEY_AT = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # Wed 14:00-16:00 Berlin ends 15:00 UTC, + 1 h
PEOPLE = {"aad-lee": "America/New_York", "aad-amy": "Europe/London", "aad-ben": "Europe/Berlin"}


@pytest.fixture
async def env(fake, database_url, aiohttp_client):
    settings = Settings(
        database_url=database_url,
        slack=SlackSettings(bot_token=BOT_TOKEN, signing_secret=sp.SECRET, api_url=fake.slack_api_url),
        teams=TeamsSettings(enabled=True),
    )
    services = build_services(settings, today=TODAY, coalesce_seconds=0.05, charts=False)
    client = await aiohttp_client(create_web_app(services, run_worker=False))
    e = SimpleNamespace(fake=fake, services=services, client=client, url=fake.url + "/", worker=services.worker)
    await e.worker.run_once(MONDAY)
    yield e


async def _post(e, activity: dict, now: datetime = MONDAY) -> None:
    response = await e.client.post("/api/messages", json=activity)
    assert response.status in (200, 201), await response.text()
    await e.worker.run_once(now)


def _card(recorded) -> dict:
    [attachment] = recorded.json["attachments"]
    return attachment["content"]


def _text(recorded) -> str:
    if recorded.json.get("attachments"):
        return str(_card(recorded))
    return recorded.json.get("text") or ""


def _in_chat(e, member: str, now: datetime, value: dict, reply_to: str) -> dict:
    """An Action.Submit pressed in the bot's 1:1 chat with `member` (their Teams client sends localTimezone)."""
    user = {"id": f"29:{member}", "name": member, "aadObjectId": member}
    activity = ta.personal("", service_url=e.url, user=user)
    activity["conversation"]["id"] = e.fake.personal_chats[member]
    activity["localTimezone"] = PEOPLE[member]
    activity.pop("text")
    activity.update(value=value, replyToId=reply_to)
    return activity


def _submit_data(card: dict, title: str) -> dict:
    return next(a["data"] for a in card["actions"] if a["title"] == title)


async def test_a_teams_workshop_from_the_input_card_to_the_results(env):
    e = env
    await _post(e, ta.mention("baseline sample", service_url=e.url))
    dana = {**ta.USER}
    asked = ta.mention("workshop", service_url=e.url)
    asked["localTimezone"] = "Europe/Berlin"
    await _post(e, asked)
    form_post = e.fake.connector_calls("POST")[-1]
    form = _card(form_post)
    submit = form["actions"][0]["data"]
    assert submit["form_id"] == "workshop_plan"
    assert (
        next(b for b in form["body"] if b.get("id") == "who")["choices.data"]["dataset"] == "graph.microsoft.com/users"
    )
    values = {
        **submit, "title": "Q1 plan", "goal": "Decide 3 actions to lift win rate to 30%", "day": "2026-12-02",
        "start": "14:00", "end": "16:00", "tz": "", "who": ",".join(PEOPLE), "survey": "anonymous",
        "agenda": "Pipeline review - 60 min - chart - discussion", "delay": "1", "close_days": "3",
    }  # fmt: skip
    submitted = ta.submit(values, reply_to=form_post.reply["id"], root=asked["id"], service_url=e.url)
    submitted["localTimezone"] = "Europe/Berlin"  # the Teams client sends it with every activity
    await _post(e, submitted)
    check_post = e.fake.connector_calls("POST")[-1]
    check = _card(check_post)
    assert "Workshop plan: Q1 plan" in str(check) and "Europe/Berlin" in str(check)  # the organiser's own zone
    send = _submit_data(check, "Send invitations")
    await _post(e, ta.submit(send, reply_to=check_post.reply["id"], root=asked["id"], service_url=e.url, user=dana))
    channel_card = next(r for r in e.fake.connector_calls("POST") if "Workshop: Q1 plan" in _text(r))
    for member in PEOPLE:
        invitations = [r for r in e.fake.teams_chat_posts(member) if "Invitation: Q1 plan" in _text(r)]
        assert len(invitations) == 1, member

    # Lee accepts from New York: the channel card is updated in place, the reminder comes at 09:00 New York
    invite = e.fake.teams_chat_posts("aad-lee")[-1]
    attend = _submit_data(_card(invite), "Attend")
    await _post(e, _in_chat(e, "aad-lee", MONDAY, attend, invite.reply["id"]))
    [update] = [r for r in e.fake.connector_calls("PUT") if r.path.endswith(channel_card.reply["id"])]
    assert "Attending (1)" in _text(update)
    await e.worker.run_once(datetime(2026, 12, 1, 13, 59, tzinfo=UTC))
    assert not [r for r in e.fake.teams_chat_posts("aad-lee") if "Reminder" in _text(r)]
    await e.worker.run_once(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    assert len([r for r in e.fake.teams_chat_posts("aad-lee") if "Reminder" in _text(r)]) == 1

    await e.worker.run_once(SURVEY_AT)
    later = SURVEY_AT + timedelta(minutes=1)
    await e.worker.run_once(later)  # once more: still one survey each
    for member, number in zip(PEOPLE, ("6", "8", "12"), strict=True):
        [survey] = [r for r in e.fake.teams_chat_posts(member) if "Survey: Q1 plan" in _text(r)]
        await _post(e, _in_chat(e, member, later, _submit_data(_card(survey), "Answer"), survey.reply["id"]), later)
        form_post = e.fake.teams_chat_posts(member)[-1]
        data = _card(form_post)["actions"][0]["data"]
        answers = {**data, "q0": "4", "q1": "1", "q2": f"good, said {member}", "q5": number}
        await _post(e, _in_chat(e, member, later, answers, form_post.reply["id"]), later)
        assert "your answers are saved" in _text(e.fake.teams_chat_posts(member)[-1])

    await e.worker.run_once(SURVEY_AT + timedelta(days=3))
    [results] = [r for r in e.fake.connector_calls("POST") if "Final results" in _text(r)]
    text = _text(results)
    base = parse_baseline(sample_baseline())
    options = {"weekly": False, "sensitivity": False, "confidences": ()}
    expected = forecast(apply_changes(base, [Change("win_rate", base.win_rate, 0.08)]), **options).p_hit
    assert "3 of 3 answered" in text and f"P(reach target) is {pct(expected)}" in text
    assert not any(member in text for member in PEOPLE if f"said {member}" not in text)
