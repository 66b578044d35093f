"""Fuzzing the Slack and Teams translators: whatever JSON a signed request carries, reading it never raises.

Slack: a body either gets a reason from the edge's shape gate (bot.slack.routes.malformed, answered 400) or
translates, and Bolt can build its context from it. Teams: any activity that deserializes gives its events
(or none) without an exception, since an exception there would be answered 503 and delivered again forever.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack import translate
from bot.slack.app import translate_body
from bot.slack.routes import _SHAPE, malformed, parse
from bot.teams.handler import events_of
from bot.teams.routes import read_activity

# keys the code reads, so generated bodies reach deep into the translators instead of being ignored
SLACK_KEYS = sorted({part for path in _SHAPE for part in path.replace("[]", "").split(".") if part} | {"value"})
SLACK_VALUES = [
    "event_callback",
    "block_actions",
    "view_submission",
    "app_mention",
    "message",
    "reaction_added",
    "message_changed",
    "message_deleted",
    "im",
    "card.decide",
    "form:x",
    "/scenario",
    "U1",
    "C1",
    "D1",
    "1.1",
    "2.2",
    "<@U0PROBE> hi",
    "file_share",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.sampled_from(SLACK_VALUES),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(SLACK_KEYS), inner, max_size=6)
    ),
    max_leaves=40,
)
slack_bodies = st.dictionaries(st.sampled_from(SLACK_KEYS), json_values, max_size=10)


@given(slack_bodies)
def test_slack_bodies_are_refused_with_a_reason_or_read(body):
    reason = malformed(body)
    if reason is not None:
        assert isinstance(reason, str) and reason
        return
    translate.delivery_id(body)
    translate_body(body, "T1", "U_BOT")
    translate_body(body, "T1", None)
    AsyncBoltRequest(body=json.dumps(body), headers={"content-type": "application/json"})  # Bolt's context


@given(st.text(max_size=300), st.sampled_from(["application/json", "application/x-www-form-urlencoded"]))
def test_any_slack_text_parses_or_gets_a_reason(text, content_type):
    body, reason = parse(text, content_type)
    assert (body is None) != (reason is None)


TEAMS_KEYS = [
    "type",
    "id",
    "text",
    "textFormat",
    "value",
    "from",
    "recipient",
    "conversation",
    "channelData",
    "entities",
    "replyToId",
    "reactionsAdded",
    "reactionsRemoved",
    "serviceUrl",
    "channelId",
    "name",
    "tenant",
    "team",
    "channel",
    "conversationType",
    "tenantId",
    "aadObjectId",
    "mentioned",
    "isGroup",
]
teams_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=20),
        st.sampled_from(
            [
                "message",
                "messageReaction",
                "messageUpdate",
                "messageDelete",
                "invoke",
                "like",
                "personal",
                "channel",
                "19:abc@thread.tacv2;messageid=1",
                "<at>bot</at> hi",
            ]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(TEAMS_KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)
activities = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "messageReaction", "messageUpdate", "messageDelete"])},
    optional={key: teams_values for key in TEAMS_KEYS if key != "type"},
)


@given(activities)
def test_teams_activities_are_refused_with_a_reason_or_read(body):
    activity, reason = read_activity(body)
    if activity is None:
        assert isinstance(reason, str) and reason
        return
    assert isinstance(events_of(activity), list)


def test_an_entities_list_holding_null_is_refused():
    activity, reason = read_activity({"type": "message", "text": "hi", "entities": [None]})
    assert activity is None and "could not be read" in reason
