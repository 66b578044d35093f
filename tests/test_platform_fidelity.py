"""The bot against the platforms as they really are, not as our fakes once were (issue 15).

- Static: every Slack Web API method the bot package calls is covered by a scope manifests/slack.yaml declares
  (table: tests/fakes/slack_scopes.py, from Slack's method reference), and every event the Slack app listens to
  is subscribed in `bot_events` with the scope that event needs. A new call without its scope fails here
  before it fails in a workspace with `missing_scope`.
- Teams: several people's likes and unlikes on one card all count, though Teams gives every reaction the
  card's id; the bot identity defaults to SingleTenant.
- Slack: a thread reply that @mentions the bot is answered and not counted as a comment.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_services, create_web_app
from bot.config import ConfigError, Settings, SlackSettings, TeamsSettings, load_settings
from tests.db_fixtures import *  # noqa: F403 (the database fixtures, as tests/db_fixtures.py asks)
from tests.e2e.conftest import TODAY
from tests.e2e.slack_helpers import WORKER_OPTIONS, SlackSender, settle, slack_settings
from tests.fakes import slack_manifest, slack_scopes
from tests.fakes import slack_payloads as sp
from tests.fakes import teams_activities as ta

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
SLACK_APP = BOT / "slack" / "app.py"
# Web API method names look like "chat.postMessage": a known family, a dot, a camelCase verb
_FAMILIES = (
    "admin|apps|auth|bookmarks|chat|conversations|dnd|emoji|files|pins|reactions|reminders|team|usergroups|users|views"
)
_METHOD_STRING = re.compile(rf"""["']((?:{_FAMILIES})\.[a-z][A-Za-z]*(?:\.[a-z][A-Za-z]*)?)["']""")
# `client.chat_postMessage(...)`, or the bound method handed to a helper (`self.client.files_upload_v2`)
_CLIENT_CALL = re.compile(r"\bclient\.([a-z][A-Za-z0-9_]*)\b")
# events -> the scope Slack needs to deliver them (docs.slack.dev/reference/events); None: no scope needed
EVENT_SCOPES = {
    "app_uninstalled": None,
    "tokens_revoked": None,
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
}


def _sdk_methods(name: str, seen: set[str] | None = None) -> set[str]:
    """The Web API methods an AsyncWebClient method calls (files_upload_v2 calls two), from slack_sdk's source."""
    seen = set() if seen is None else seen
    if name in seen or not hasattr(AsyncWebClient, name):
        return set()
    seen.add(name)
    source = inspect.getsource(getattr(AsyncWebClient, name))
    found = set(re.findall(r"""api_call\(\s*["']([a-zA-Z.]+)["']""", source))
    for inner in re.findall(r"\bself\.([a-z][A-Za-z0-9_]*)\s*\(", source):
        found |= _sdk_methods(inner, seen)
    return found


def web_api_methods(source: str) -> set[str]:
    """Every Web API method a piece of bot source calls: `client.<sdk method>(...)` and method-name strings."""
    # a quoted "team.id" is a payload field path, not a method: keep the strings slack_sdk knows as Web API methods
    methods = {
        m for m in _METHOD_STRING.findall(source) if callable(getattr(AsyncWebClient, m.replace(".", "_"), None))
    }
    for name in _CLIENT_CALL.findall(source):
        if callable(getattr(AsyncWebClient, name, None)):  # other clients' attributes (aiohttp, ...) are not ours
            methods |= _sdk_methods(name)
    return methods


def scope_problems(methods: set[str], declared: frozenset[str]) -> list[str]:
    problems = []
    for method in sorted(methods):
        if method not in slack_scopes.METHOD_SCOPES:
            problems.append(f"{method}: not in tests/fakes/slack_scopes.py; add it with its scopes from its docs page")
            continue
        needed = slack_scopes.METHOD_SCOPES[method]
        if method in ("conversations.history", "conversations.replies"):
            needed = tuple(s for s in needed if s in ("channels:history", "im:history"))  # the channels we serve
            missing = [s for s in needed if s not in declared]
            if missing:
                problems.append(f"{method}: needs {', '.join(missing)} in manifests/slack.yaml")
        elif needed and not set(needed) & declared:
            problems.append(f"{method}: needs one of {', '.join(needed)} in manifests/slack.yaml")
    return problems


def _bot_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(BOT.rglob("*.py")))


def handled_events(source: str) -> set[str]:
    """Events the Slack app registers listeners for: app.event("...") calls."""
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "event"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return found


# ---------------------------------------------------------------- static checks


def test_every_web_api_method_the_bot_calls_is_covered_by_a_declared_scope():
    methods = web_api_methods(_bot_source())
    assert {"chat.postMessage", "chat.update", "files.info", "files.completeUploadExternal"} <= methods, methods
    assert scope_problems(methods, slack_manifest.bot_scopes()) == []


def test_the_scope_check_catches_a_call_without_its_scope():
    declared = slack_manifest.bot_scopes()
    added = "await self.client.conversations_open(users=user)\nawait client.reactions_add(name='eyes')"
    assert scope_problems(web_api_methods(added), declared - {"im:write"}) == [
        "conversations.open: needs one of im:write, mpim:write in manifests/slack.yaml",
        "reactions.add: needs one of reactions:write in manifests/slack.yaml",
    ]
    assert scope_problems({"pins.add"}, declared)[0].startswith("pins.add: not in tests/fakes/slack_scopes.py")
    assert scope_problems(web_api_methods('await self._call("users.info", place, m)'), declared) == []
    assert scope_problems({"users.info"}, declared - {"users:read"}) == [
        "users.info: needs one of users:read in manifests/slack.yaml"
    ]


def test_every_handled_event_is_subscribed_with_its_scope_and_every_subscription_is_handled():
    handled = handled_events(SLACK_APP.read_text(encoding="utf-8"))
    assert {"app_mention", "message", "reaction_added", "reaction_removed"} <= handled, handled
    subscribed = slack_manifest.bot_events()
    declared = slack_manifest.bot_scopes()
    for event in handled:
        kinds = {e for e in subscribed if e == event or e.startswith(f"{event}.")}
        assert kinds, f"app.event({event!r}) is handled but manifests/slack.yaml does not subscribe to it"
    for event in subscribed:
        assert event.split(".")[0] in handled, f"{event} is subscribed but no app.event listener handles it"
        needed = EVENT_SCOPES[event]
        assert needed is None or needed in declared, f"{event} needs the {needed} scope"


def test_every_slash_command_the_app_handles_is_declared_with_the_commands_scope():
    handled = set(re.findall(r"""app\.command\(\s*["'](/[a-z0-9_-]+)["']""", SLACK_APP.read_text(encoding="utf-8")))
    declared = {c["command"] for c in slack_manifest.load()["features"]["slash_commands"]}
    assert handled and handled == declared
    assert "commands" in slack_manifest.bot_scopes()
    uses_interactivity = re.search(r"app\.(action|view)\(", SLACK_APP.read_text(encoding="utf-8"))
    assert not uses_interactivity or slack_manifest.load()["settings"]["interactivity"]["is_enabled"] is True


def test_people_can_dm_the_bot():
    home = slack_manifest.load()["features"]["app_home"]
    assert (home["messages_tab_enabled"], home["messages_tab_read_only_enabled"]) == (True, False)


# ---------------------------------------------------------------- Teams bot identity


def test_single_tenant_is_the_default_identity_and_needs_the_tenant_id():
    env = {"MICROSOFT_APP_ID": "8c2f6f0e-1b7a-4c1e-9d35-2a1f0b6e4c11", "MICROSOFT_APP_PASSWORD": "secret"}
    with pytest.raises(ConfigError, match="MICROSOFT_APP_TENANT_ID is not set for MICROSOFT_APP_TYPE=SingleTenant"):
        load_settings(env)
    settings = load_settings({**env, "MICROSOFT_APP_TENANT_ID": "d1f0e5c2-3b4a-4c8e-9f7a-1b2c3d4e5f60"})
    assert settings.teams.APP_TYPE == "SingleTenant"
    assert load_settings({**env, "MICROSOFT_APP_TYPE": "multitenant"}).teams.APP_TYPE == "MultiTenant"
    with pytest.raises(ConfigError, match="MICROSOFT_APP_TENANT_ID"):
        load_settings({**env, "MICROSOFT_APP_TYPE": "UserAssignedMSI"})
    with pytest.raises(ConfigError, match="expected one of SingleTenant, MultiTenant, UserAssignedMSI"):
        load_settings({**env, "MICROSOFT_APP_TYPE": "Global"})
    # no app id: anonymous (Emulator, tests), which botbuilder only accepts as MultiTenant
    assert load_settings({}).teams.APP_TYPE == "MultiTenant"


def test_T3_production_refuses_a_single_tenant_bot_without_its_tenant():
    teams = TeamsSettings(APP_ID="8c2f6f0e-1b7a-4c1e-9d35-2a1f0b6e4c11", APP_PASSWORD="x", APP_TYPE="SingleTenant")
    settings = Settings(environment="production", slack=SlackSettings(), teams=teams)
    with pytest.raises(ConfigError, match="MICROSOFT_APP_TENANT_ID"):
        settings.check()
    Settings(environment="production", teams=TeamsSettings(**{**_fields(teams), "APP_TENANTID": "t"})).check()


def _fields(teams: TeamsSettings) -> dict:
    return {name: getattr(teams, name) for name in ("APP_ID", "APP_PASSWORD", "APP_TYPE", "APP_TENANTID", "enabled")}


# ---------------------------------------------------------------- end to end against the faithful fakes


@pytest.fixture
async def teams_env(fake, database_url, aiohttp_client):
    settings = Settings(database_url=database_url, slack=SlackSettings(), teams=TeamsSettings(enabled=True))
    services = build_services(settings, today=TODAY, coalesce_seconds=0.05, worker_options=WORKER_OPTIONS)
    client = await aiohttp_client(create_web_app(services, run_worker=True))
    yield SimpleNamespace(fake=fake, services=services, client=client, url=fake.url + "/")


@pytest.fixture
async def slack_app(fake, database_url, aiohttp_client):
    services = build_services(
        slack_settings(fake, database_url), today=TODAY, coalesce_seconds=0.05, worker_options=WORKER_OPTIONS
    )
    app = create_web_app(services, run_worker=True)
    client = await aiohttp_client(app)
    yield SimpleNamespace(fake=fake, services=services, app=app, slack=SlackSender(client))


async def _teams(env, activity: dict) -> None:
    response = await env.client.post("/api/messages", json=activity)
    await response.read()
    assert response.status in (200, 201), response.status
    await settle(env.services)


def _footer(recorded) -> str:
    [attachment] = recorded.json["attachments"]
    return next((b["text"] for b in attachment["content"]["body"] if b.get("id") == "footer"), "")


async def test_teams_every_persons_like_and_unlike_on_one_card_counts(teams_env):
    env = teams_env
    await _teams(env, ta.mention("baseline sample", service_url=env.url))
    question = ta.mention("what if win rate drops to 20%", service_url=env.url)
    await _teams(env, question)
    card_id = env.fake.connector_calls("POST")[-1].reply["id"]
    root = question["id"]
    lee = {"id": "29:user-lee", "name": "Lee Park", "aadObjectId": "00000000-0000-4000-8000-0000000000ee"}

    async def react(expected: str, **kw) -> None:
        before = len(env.fake.connector_calls("PUT"))
        await _teams(env, ta.reaction(reply_to=card_id, root=root, service_url=env.url, **kw))
        await settle(env.services)  # the coalesced footer update
        puts = env.fake.connector_calls("PUT")
        assert len(puts) > before, f"no card update for {kw or 'the first like'}"
        assert expected in _footer(puts[-1]), _footer(puts[-1])

    await react("1 like")
    await react("2 likes", user=lee)
    await react("1 like", added=False)
    await react("2 likes")
    assert env.fake.card_violations == []


async def test_slack_thread_reply_that_mentions_the_bot_is_answered_not_counted(slack_app):
    env = slack_app

    async def settled() -> None:
        await settle(env.services)

    assert (await env.slack.post(sp.slash_command("baseline sample"))).status == 200
    await env.fake.wait_for("POST", "/api/chat.postMessage", 1, timeout=20)
    await settled()
    before = len(env.fake.calls("POST", "/api/chat.postMessage"))
    assert (await env.slack.post(sp.slash_command("what if win rate drops to 20%"))).status == 200
    posts = await env.fake.wait_for("POST", "/api/chat.postMessage", before + 1, timeout=20)
    await settled()
    card_ts = posts[before].reply["ts"]
    updates = len(env.fake.calls("POST", "/api/chat.update"))
    n_posts = len(env.fake.calls("POST", "/api/chat.postMessage"))
    reply_ts = "1800000000.000950"
    # Slack delivers the reply twice: as app_mention and as a thread message (message.channels)
    assert (await env.slack.post(sp.app_mention("help", ts=reply_ts, thread_ts=card_ts))).status == 200
    assert (await env.slack.post(sp.thread_reply("<@U_BOT> help", thread_ts=card_ts, ts=reply_ts))).status == 200
    await env.fake.wait_for("POST", "/api/chat.postMessage", n_posts + 1, timeout=20)
    await settled()
    await asyncio.sleep(0.2)
    answer = env.fake.calls("POST", "/api/chat.postMessage")[n_posts]
    assert answer.json.get("thread_ts") == card_ts  # answered in the thread
    footers = [json.dumps(u.json["blocks"]) for u in env.fake.calls("POST", "/api/chat.update")[updates:]]
    assert not any("1 comment" in f for f in footers), footers


def test_the_import_preview_fits_in_a_teams_card():
    from bot.core.baselines.feature import sample_baseline
    from bot.core.imports.cards import import_preview_card
    from bot.core.imports.csv.sample import salesforce_export
    from bot.core.imports.flow import prepare_import
    from bot.teams.render import render_adaptive
    from tests.fakes.platform_server import teams_card_problem

    prepared = prepare_import(
        salesforce_export(300), name="pipeline.csv", base=None, today=TODAY, fallback=sample_baseline()
    )
    assert prepared.problem is None, prepared.problem
    card = render_adaptive(import_preview_card(prepared.preview, 1, rev=0))
    activity = {"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}
    assert teams_card_problem(activity) is None
    # nothing is dropped: every button is there, the driver switches one click away under "Change drivers…"
    top = {a["data"]["action_id"] for a in card["actions"] if a["type"] == "Action.Submit"}
    [group] = [a for a in card["actions"] if a["type"] == "Action.ShowCard"]
    inner = {a["data"]["action_id"] for a in group["card"]["actions"]}
    assert group["title"] == "Change drivers…"
    assert top == {"import.accept", "import.cancel"}
    assert len(inner) == 5 and all(i.startswith("import.driver.") for i in inner)


# ---------------------------------------------------------------- thread roots (issue 15, item 6)


def _drivers_value(blocks) -> dict:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == "card.drivers":
                return json.loads(element["value"])
    raise AssertionError("no Drivers button on the card")


async def test_slack_drivers_on_a_card_inside_a_thread_answer_under_the_threads_root(slack_app):
    env = slack_app
    assert (await env.slack.post(sp.slash_command("baseline sample"))).status == 200
    await env.fake.wait_for("POST", "/api/chat.postMessage", 1, timeout=20)
    await settle(env.services)
    root = "1800000000.000100"
    before = len(env.fake.calls("POST", "/api/chat.postMessage"))
    assert (await env.slack.post(sp.app_mention("what if win rate drops to 20%", ts=root))).status == 200
    posts = await env.fake.wait_for("POST", "/api/chat.postMessage", before + 1, timeout=20)
    await settle(env.services)
    card = posts[before]
    assert card.json["thread_ts"] == root  # the @mention is answered in its thread: the card is a reply
    before = len(env.fake.calls("POST", "/api/chat.postMessage"))
    value = _drivers_value(json.loads(json.dumps(card.json["blocks"])))
    action = sp.block_actions("card.drivers", value, message_ts=card.reply["ts"])
    assert (await env.slack.post(action)).status == 200
    posts = await env.fake.wait_for("POST", "/api/chat.postMessage", before + 1, timeout=20)
    await settle(env.services)
    # Slack wants the parent's ts: a reply's ts as thread_ts is not the thread the card sits in
    assert posts[before].json["thread_ts"] == root


async def test_teams_drivers_on_a_card_inside_a_thread_answer_under_the_threads_root(teams_env):
    env = teams_env
    await _teams(env, ta.mention("baseline sample", service_url=env.url))
    question = ta.mention("what if win rate drops to 20%", service_url=env.url)
    await _teams(env, question)
    posted = env.fake.connector_calls("POST")[-1]
    root = question["id"]
    assert posted.path.endswith(f";messageid={root}/activities/{root}") or f"messageid={root}" in posted.path
    card_id = posted.reply["id"]
    data = next(a["data"] for a in posted.json["attachments"][0]["content"]["actions"] if a.get("title") == "Drivers")
    before = len(env.fake.connector_calls("POST"))
    await _teams(env, ta.submit(data, reply_to=card_id, root=root, service_url=env.url))
    replies = env.fake.connector_calls("POST")[before:]
    assert replies, "no answer to the Drivers button"
    assert all(f"messageid={root}" in r.path and f"messageid={card_id}" not in r.path for r in replies), [
        r.path for r in replies
    ]


# ---------------------------------------------------------------- display names (issue 15, item 9)


def _button_value(blocks, action_id: str) -> dict:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return json.loads(element["value"])
    raise AssertionError(f"no {action_id} button on the card")


async def test_slack_comment_relay_shows_the_persons_slack_name_looked_up_once(slack_app):
    env = slack_app
    assert (await env.slack.post(sp.slash_command("baseline sample"))).status == 200
    await env.fake.wait_for("POST", "/api/chat.postMessage", 1, timeout=20)
    await settle(env.services)
    before = len(env.fake.calls("POST", "/api/chat.postMessage"))
    assert (await env.slack.post(sp.slash_command("what if win rate drops to 20%"))).status == 200
    posts = await env.fake.wait_for("POST", "/api/chat.postMessage", before + 1, timeout=20)
    await settle(env.services)
    card = posts[before]
    value = _button_value(card.json["blocks"], "card.comment")
    action = sp.block_actions("card.comment", value, message_ts=card.reply["ts"])
    assert (await env.slack.post(action)).status == 200
    [opened] = await env.fake.wait_for("POST", "/api/views.open", 1, timeout=20)
    view = opened.json["view"]
    view = json.loads(view) if isinstance(view, str) else view
    metadata = json.loads(view["private_metadata"])
    for text in ("Nine new opps per rep is a stretch", "And the win rate too"):
        count = len(env.fake.calls("POST", "/api/chat.postMessage"))
        submitted = sp.view_submission("comment", {"text": text}, metadata["meta"], thread=metadata["thread"])
        assert (await env.slack.post(submitted)).status == 200
        relays = await env.fake.wait_for("POST", "/api/chat.postMessage", count + 1, timeout=20)
        await settle(env.services)
        # the payload's user.name is not trusted (it is the legacy username): Slack's display name is shown
        assert relays[count].json["text"] == f"Dana: {text}"
    # cached: one look-up for both comments
    assert len([r for r in env.fake.requests if r.path == "/api/users.info"]) == 1


async def test_slack_display_names_come_from_the_profile_and_expire(fake):
    from bot.slack.sender import NAME_TTL_SECONDS, SlackSender, worker_client

    now = [0.0]
    client = worker_client("xoxb-test", fake.slack_api_url)
    sender = SlackSender(client, clock=lambda: now[0])
    try:
        assert await sender.display_name("T_TEAM", "U_DANA") == "Dana"
        assert await sender.display_name("T_TEAM", "U_DANA") == "Dana"
        assert sender.name_lookups == 1
        fake.add_user("U_NEW", real_name="Noor Real")  # no display name set: Slack shows the real name
        assert await sender.display_name("T_TEAM", "U_NEW") == "Noor Real"
        assert await sender.display_name("T_TEAM", "U_GONE") is None  # user_not_found: the caller shows the id
        fake.users["U_DANA"]["profile"]["display_name"] = "Dana K."
        now[0] += NAME_TTL_SECONDS + 1
        assert await sender.display_name("T_TEAM", "U_DANA") == "Dana K."
    finally:
        await client.close()  # its one session, kept open between calls


async def _sent_cards(env) -> int:
    from sqlalchemy import func, select

    from storage.models import SentMessageRow

    async with env.services.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(SentMessageRow))).scalar_one()


async def test_teams_a_card_posted_without_an_activity_id_is_not_tracked_and_the_bot_says_why(teams_env):
    from bot.teams.sender import NO_ID_NOTICE

    env = teams_env
    await _teams(env, ta.mention("baseline sample", service_url=env.url))
    recorded = await _sent_cards(env)
    env.fake.connector_returns_ids = False  # the Connector's open bug: channel sends come back without an id
    before = len(env.fake.connector_calls("POST"))
    await _teams(env, ta.mention("what if win rate drops to 20%", service_url=env.url))
    posts = env.fake.connector_calls("POST")[before:]
    assert [bool(p.json.get("attachments")) for p in posts] == [True, False]  # the card, then why it is untracked
    assert posts[1].json["text"] == NO_ID_NOTICE
    assert await _sent_cards(env) == recorded  # nothing recorded under an id nobody knows
    env.fake.connector_returns_ids = True
    await _teams(env, ta.mention("what if win rate drops to 25%", service_url=env.url))
    assert await _sent_cards(env) == recorded + 1  # with an id, the card is recorded as always


# ---------------------------------------------------------------- the README's set-up sections match the manifests


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_readmes_slack_scopes_are_exactly_the_manifests():
    section = _readme_section("Slack: create the app")
    listed = re.findall(r"^- `([a-z_]+(?::[a-z_.]+)?)`:", section, flags=re.M)
    assert sorted(listed) == sorted(slack_manifest.bot_scopes())
    assert len(listed) == len(set(listed))
    manifest = slack_manifest.load()
    assert "im:write" in listed and "users:read" in listed
    assert "chat:write.public" not in slack_manifest.bot_scopes()  # the README says why not
    assert "App Home" in section and manifest["features"]["app_home"]["messages_tab_enabled"] is True
    for command in manifest["features"]["slash_commands"]:
        assert command["command"] in section
    assert "/slack/events" in section and "response_url" in section


def test_the_readmes_teams_package_matches_the_generated_manifest():
    from bot.teams.manifest import build_manifest

    section = _readme_section("Microsoft Teams")
    app_id = "8c2f6f0e-1b7a-4c1e-9d35-2a1f0b6e4c11"
    manifest = build_manifest(app_id, "bot.example.com")
    assert f"schema {manifest['manifestVersion']}" in section
    for scope in manifest["bots"][0]["scopes"]:
        assert f"`{scope}`" in section
    for permission in manifest["authorization"]["permissions"]["resourceSpecific"]:
        assert f"**{permission['name']}**" in section
    assert manifest["webApplicationInfo"]["id"] == app_id and "webApplicationInfo" in section
    assert manifest["bots"][0]["botId"] == manifest["id"] == app_id and "Single Tenant" in section
    for icon in manifest["icons"].values():
        assert f"`{icon}`" in section
    assert "/api/messages" in section and "MICROSOFT_APP_TENANT_ID" in section


# ---------------------------------------------------------------- forms open in the request (issue 15, item 4)


async def test_the_comment_form_opens_in_the_request_even_behind_a_queue_of_answers(fake, database_url, aiohttp_client):
    """Slack honours a trigger_id for 3 s (the fake too): the form opens while the button's request is answered,
    never after the 20 answers queued before it."""
    services = build_services(slack_settings(fake, database_url), today=TODAY)
    slack = SlackSender(await aiohttp_client(create_web_app(services, run_worker=False)))
    assert (await slack.post(sp.slash_command("baseline sample"))).status == 200
    await services.worker.run_once()
    assert (await slack.post(sp.slash_command("what if win rate drops to 20%"))).status == 200
    await services.worker.run_once()
    card = next(r for r in fake.calls("POST", "/api/chat.postMessage") if r.json["text"].startswith("what if"))
    for n in range(20):  # a burst of questions: queued, no worker has run them yet
        assert (await slack.post(sp.slash_command(f"what if we add {n} reps"))).status == 200
    assert (await services.storage.jobs.counts())["queued"] == 20
    value = _button_value(card.json["blocks"], "card.comment")
    action = sp.block_actions("card.comment", value, message_ts=card.reply["ts"])
    assert (await slack.post(action)).status == 200
    [opened] = fake.calls("POST", "/api/views.open")  # already there when the request was answered
    assert opened.reply["ok"] is True, opened.reply  # the trigger was still valid
    assert (await services.storage.jobs.counts())["queued"] == 20  # and the form did not wait for them
    await services.engine.dispose()


async def test_slack_calls_of_one_client_share_one_connection(fake):
    """A card is several Web API calls: each on a new connection would be a new TLS handshake with slack.com."""
    from bot.slack.sender import worker_client

    client = worker_client("xoxb-test", fake.slack_api_url)
    try:
        for _ in range(3):
            await client.users_info(user="U_DANA")
    finally:
        await client.close()
    peers = {r.peer for r in fake.requests if r.path == "/api/users.info"}
    assert len(peers) == 1 and "" not in peers
