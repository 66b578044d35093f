"""Builders for the requests Slack sends to /slack/events, and the signing of them.

Owns the shapes of Slack's inbound payloads as tests need them (checked against real captures in
tests/fakes/captured/): slash-command form bodies, Events API `event_callback` JSON (app_mention, DM and
thread messages, edits, deletions, reactions), `block_actions` and `view_submission` interactivity
(`payload=<json>` form bodies), and `url_verification`.

Each builder returns `(body_text, content_type)`: the body is serialised exactly ONCE here, and the same
text is signed and posted, because Slack's signature covers the raw bytes.

Trigger ids (slash commands, button presses, modal submissions) are issued by `issue_trigger()` when the payload
is built, with the issue time (epoch milliseconds) as their first part. The fake Web API reads it: views.open
with a trigger older than 3 s answers `expired_trigger_id`, a second use `exchanged_trigger_id`, one it did not
issue `invalid_trigger_id`, as Slack does (api.slack.com/interactivity/handling).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

__all__ = [
    "SECRET",
    "TEAM",
    "ENTERPRISE",
    "CHANNEL",
    "DM_CHANNEL",
    "USER",
    "sign",
    "issue_trigger",
    "trigger_issued_at",
    "slash_command",
    "event_callback",
    "app_mention",
    "dm_message",
    "thread_reply",
    "message_changed",
    "message_deleted",
    "reaction",
    "block_actions",
    "view_submission",
    "url_verification",
    "FORM",
    "JSON",
]

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documented example signing secret
TEAM = "T_TEAM"
ENTERPRISE = None
CHANNEL = "C_SALES"
DM_CHANNEL = "D_DM"
USER = "U_DANA"
API_APP_ID = "A_SCENARIO"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_ids = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{int(time.time())}{next(_ids):05d}"


def issue_trigger(at: float | None = None) -> str:
    """A trigger id as Slack issues them ("<digits>.<digits>.<hex>"), stamped with its issue time in ms."""
    issued = int((time.time() if at is None else at) * 1000)
    return f"{issued}.738474920.{next(_ids):04x}8ee4c0ffee"


def trigger_issued_at(trigger_id: str) -> float | None:
    """The issue time (epoch seconds) of a trigger `issue_trigger` made; None for any other string."""
    head, _, rest = str(trigger_id).partition(".")
    if not head.isdigit() or len(head) != 13 or not rest.startswith("738474920."):
        return None
    return int(head) / 1000


def sign(body: str, secret: str = SECRET, timestamp: int | str | None = None) -> dict[str, str]:
    """Headers Slack would send: X-Slack-Request-Timestamp and X-Slack-Signature (v0 HMAC of the raw body)."""
    ts = str(int(time.time())) if timestamp is None else str(timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


# ---------------------------------------------------------------- slash commands


def slash_command(
    text: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    team: str = TEAM,
    command: str = "/scenario",
    trigger_id: str | None = None,
    response_url: str = "https://hooks.slack.com/commands/T_TEAM/1/abc",
) -> tuple[str, str]:
    fields = {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",  # deprecated verification token; Bolt ignores it
        "team_id": team,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "sales",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or issue_trigger(),
    }
    return urlencode(fields), FORM


# ---------------------------------------------------------------- Events API


def event_callback(
    event: dict[str, Any],
    *,
    team: str = TEAM,
    event_id: str | None = None,
    enterprise: str | None = ENTERPRISE,
    source_team: str | None = None,
) -> tuple[str, str]:
    """An Events API envelope. `source_team` imitates Slack Connect: the envelope's team_id is the
    SOURCE workspace while `authorizations` names the installing one."""
    body = {
        "token": "XXYYZZ",
        "team_id": source_team or team,
        "enterprise_id": enterprise,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or _unique("Ev"),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise,
                "team_id": team,
                "user_id": "U_BOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": source_team is not None,
        "event_context": "4-" + _unique("eyJldCI6"),
    }
    return json.dumps(body), JSON


def _message(text: str, user: str, channel: str, ts: str | None, channel_type: str, **extra: Any) -> dict[str, Any]:
    ts = ts or f"{time.time():.6f}"
    return {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "team": TEAM,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "b1",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ],
        **extra,
    }


def app_mention(
    text: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    ts: str | None = None,
    thread_ts: str | None = None,
    **kw: Any,
) -> tuple[str, str]:
    event = _message(f"<@U_BOT> {text}", user, channel, ts, "channel")
    event["type"] = "app_mention"
    event.pop("channel_type")
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, **kw)


def dm_message(
    text: str, *, user: str = USER, channel: str = DM_CHANNEL, bot: bool = False, **kw: Any
) -> tuple[str, str]:
    event = _message(text, user, channel, None, "im")
    if bot:
        event.update({"bot_id": "B_OTHER", "subtype": "bot_message"})
    return event_callback(event, **kw)


def thread_reply(
    text: str, *, thread_ts: str, user: str = USER, channel: str = CHANNEL, ts: str | None = None, **kw: Any
) -> tuple[str, str]:
    event = _message(text, user, channel, ts, "channel", thread_ts=thread_ts, parent_user_id="U_BOT")
    return event_callback(event, **kw)


def message_changed(
    text: str, *, ts: str, thread_ts: str, user: str = USER, channel: str = CHANNEL, **kw: Any
) -> tuple[str, str]:
    now = f"{time.time():.6f}"
    inner = _message(
        text,
        user,
        channel,
        ts,
        "channel",
        thread_ts=thread_ts,
        edited={"user": user, "ts": now},
        parent_user_id="U_BOT",
    )
    inner.pop("channel")
    inner.pop("channel_type")
    event = {
        "type": "message",
        "subtype": "message_changed",
        "message": inner,
        "channel": channel,
        "hidden": True,
        "ts": now,
        "event_ts": now,
        "channel_type": "channel",
        "previous_message": {**inner, "text": "(before)"},
    }
    return event_callback(event, **kw)


def message_deleted(*, ts: str, thread_ts: str, user: str = USER, channel: str = CHANNEL, **kw: Any) -> tuple[str, str]:
    now = f"{time.time():.6f}"
    previous = _message("(deleted text)", user, channel, ts, "channel", thread_ts=thread_ts)
    previous.pop("channel")
    previous.pop("channel_type")
    event = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": ts,
        "channel": channel,
        "ts": now,
        "event_ts": now,
        "channel_type": "channel",
        "previous_message": previous,
    }
    return event_callback(event, **kw)


def reaction(
    *, item_ts: str, added: bool = True, user: str = USER, name: str = "thumbsup", channel: str = CHANNEL, **kw: Any
) -> tuple[str, str]:
    now = f"{time.time():.6f}"
    event = {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": channel, "ts": item_ts},
        "item_user": "U_BOT",
        "event_ts": now,
    }
    return event_callback(event, **kw)


def url_verification(challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") -> tuple[str, str]:
    return json.dumps({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"}), JSON


# ---------------------------------------------------------------- interactivity


def _interactive(payload: dict[str, Any]) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), FORM


def _user(user: str, team: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team}


def block_actions(
    action_id: str,
    value: dict[str, Any] | str,
    *,
    message_ts: str,
    user: str = USER,
    channel: str = CHANNEL,
    team: str = TEAM,
    trigger_id: str | None = None,
) -> tuple[str, str]:
    now = f"{time.time():.6f}"
    value_text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)
    payload = {
        "type": "block_actions",
        "user": _user(user, team),
        "api_app_id": API_APP_ID,
        "token": "9s8d9as89d8as9d8as989",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger_id or issue_trigger(),
        "team": {"id": team, "domain": "example"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "sales"},
        "message": {
            "type": "message",
            "user": "U_BOT",
            "bot_id": "B_BOT",
            "ts": message_ts,
            "text": "card",
            "blocks": [],
        },
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T_TEAM/1/xyz",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "actions",
                "text": {"type": "plain_text", "text": "Go"},
                "value": value_text,
                "type": "button",
                "action_ts": now,
            }
        ],
    }
    return _interactive(payload)


def _element_state(value: Any) -> dict[str, Any]:
    """An input's state as Slack reports it in view.state.values, by element type: a str is a plain_text_input,
    a list a multi_users_select; a dict is given as is (e.g. select(...), date(...), time_of_day(...))."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {"type": "multi_users_select", "selected_users": value}
    return {"type": "plain_text_input", "value": value}


def select(value: str | None, label: str = "") -> dict[str, Any]:
    """A static_select's state: the chosen option (None when nothing was chosen)."""
    option = {"text": {"type": "plain_text", "text": label or value or "", "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option if value is not None else None}


def date(day: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": day}


def time_of_day(hhmm: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": hhmm}


def number(text: str | None) -> dict[str, Any]:
    return {"type": "number_input", "value": text}


def view_submission(
    form_id: str,
    values: dict[str, Any],
    metadata: dict[str, Any] | None = None,
    *,
    user: str = USER,
    team: str = TEAM,
    channel: str = CHANNEL,
    thread: str | None = None,
) -> tuple[str, str]:
    """A modal submitted; private_metadata in the bot's format (form metadata + where it was opened)."""
    state = {f"field:{k}": {k: _element_state(v)} for k, v in values.items()}
    payload = {
        "type": "view_submission",
        "team": {"id": team, "domain": "example"},
        "user": _user(user, team),
        "api_app_id": API_APP_ID,
        "token": "9s8d9as89d8as9d8as989",
        "trigger_id": issue_trigger(),
        "view": {
            "id": _unique("V"),
            "team_id": team,
            "type": "modal",
            "callback_id": f"form:{form_id}",
            "private_metadata": json.dumps({"meta": metadata or {}, "channel": channel, "thread": thread}),
            "state": {"values": state},
            "hash": "156772938.1827394",
            "app_installed_team_id": team,
            "title": {"type": "plain_text", "text": "Form"},
            "blocks": [],
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interactive(payload)
