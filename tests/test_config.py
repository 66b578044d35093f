"""Settings from the environment (pydantic-settings): each bad value named with what was expected, secrets kept out
of repr and error messages, and the one rule that says which platforms are mounted and why not."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.app import build_services, create_web_app
from bot.config import ConfigError, Settings, SlackSettings, TeamsSettings, load_settings

KEY = Fernet.generate_key().decode()
SLACK_ONE = {"SLACK_SIGNING_SECRET": "sig-s3cret", "SLACK_BOT_TOKEN": "xoxb-111-s3cret"}
SLACK_MANY = {"SLACK_SIGNING_SECRET": "sig-s3cret", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "cl-s3cret"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "eighty"}, "PORT: expected a whole number like 3000, got 'eighty'"),
        ({"PORT": "70000"}, "PORT: expected 1 to 65535, got 70000"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: expected text or json, got 'xml'"),
        ({"WORKER_LEASE_SECONDS": "soon"}, "WORKER_LEASE_SECONDS: expected a number of seconds like 120"),
        ({"TEAMS_ENABLED": "perhaps"}, "TEAMS_ENABLED: expected true or false, got 'perhaps'"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL: expected an http(s) URL like https://slack.com/api/"),
        ({"SECRET_KEY": "correct horse battery staple"}, "SECRET_KEY: the key is not a Fernet key"),
        ({"SECRET_KEY": f"{KEY},short"}, "SECRET_KEY: key 2 of 2 is not a Fernet key"),
    ],
)
def test_a_bad_value_names_its_variable_what_was_expected_and_an_example(env, message):
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert message in str(raised.value)
    if "SECRET_KEY" in env:  # how to make a key, and never the value given
        assert "Fernet.generate_key()" in str(raised.value)
        assert "horse" not in str(raised.value) and "short" not in str(raised.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as raised:
        load_settings({"PORT": "x", "LOG_FORMAT": "xml"})
    assert str(raised.value).splitlines() == [
        "PORT: expected a whole number like 3000, got 'x'",
        "LOG_FORMAT: expected text or json, got 'xml'",
    ]


def test_values_are_read_trimmed_with_their_defaults():
    settings = load_settings({**SLACK_ONE, "PORT": " 8080 ", "SLACK_API_URL": "http://127.0.0.1:9/api", "HOST": ""})
    assert (settings.port, settings.host, settings.slack.api_url) == (8080, "0.0.0.0", "http://127.0.0.1:9/api/")
    assert settings.slack.bot_token.get_secret_value() == "xoxb-111-s3cret"
    assert load_settings({"SECRET_KEY": f" {KEY} , {Fernet.generate_key().decode()} "}).secret_keys()[0] == KEY
    assert load_settings({"TEAMS_ENABLED": "off"}).teams.enabled is False


def test_secrets_never_reach_repr():
    env = {
        **SLACK_ONE,
        **SLACK_MANY,
        "SECRET_KEY": KEY,
        "MICROSOFT_APP_ID": "8c2f6f0e-1b7a-4c1e-9d35-2a1f0b6e4c11",
        "MICROSOFT_APP_PASSWORD": "app-s3cret",
        "MICROSOFT_APP_TYPE": "MultiTenant",
        "DATABASE_URL": "postgresql://bot:db-s3cret@db/bot",
    }
    shown = repr(load_settings(env)) + str(load_settings(env))
    assert "s3cret" not in shown and KEY not in shown
    # botbuilder reads the password by name, as a plain string
    assert load_settings(env).teams.botbuilder_config().APP_PASSWORD == "app-s3cret"


@pytest.mark.parametrize(
    ("env", "mounted", "says"),
    [
        ({}, False, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_SIGNING_SECRET": "s"}, False, "SLACK_BOT_TOKEN is not set (one workspace), nor SLACK_CLIENT_ID"),
        (SLACK_ONE, True, "one workspace, with SLACK_BOT_TOKEN"),
        ({**SLACK_MANY, "SLACK_CLIENT_SECRET": ""}, False, "SLACK_CLIENT_SECRET is not set (SLACK_CLIENT_ID is"),
        (SLACK_MANY, False, "SECRET_KEY is not set: installing in several workspaces"),
        ({**SLACK_MANY, "SECRET_KEY": KEY}, True, "installable in several workspaces at /slack/install"),
        ({**SLACK_MANY, **SLACK_ONE, "SECRET_KEY": KEY}, True, "SLACK_BOT_TOKEN is ignored"),
    ],
)
def test_one_rule_says_whether_slack_is_mounted_and_why(env, mounted, says):
    mount = load_settings(env).platforms()["slack"]
    assert mount.mounted is mounted and says in mount.detail


async def test_the_server_says_at_start_what_it_mounted_and_why_not(tmp_path, aiohttp_client):
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"  # nothing is read or written: mounting only
    settings = load_settings({**SLACK_MANY, "DATABASE_URL": url, "TEAMS_ENABLED": "false"})
    services = build_services(settings)
    await aiohttp_client(create_web_app(services, run_worker=False))
    assert services.mounted == []
    assert services.status[0].startswith("Slack not mounted: SECRET_KEY is not set")
    assert services.status[1] == "Teams not mounted: TEAMS_ENABLED is false"
    # the worker follows the same rule: no Slack sender where Slack is not mounted
    assert "slack" not in services.worker.senders

    installed = build_services(settings.with_(secret_key=KEY, teams=TeamsSettings(enabled=True)))
    app = create_web_app(installed, run_worker=False)
    await aiohttp_client(app)
    assert installed.mounted == ["slack", "teams"] and "slack" in installed.worker.senders
    assert installed.status[0].startswith("Slack mounted: installable in several workspaces at /slack/install")
    assert installed.status[1].startswith("Teams mounted: anonymous")
    routes = {(r.method, r.resource.canonical) for r in app.router.routes()}
    assert {("GET", "/slack/install"), ("GET", "/slack/oauth_redirect"), ("POST", "/slack/events")} <= routes


def test_production_refuses_an_install_that_cannot_work():
    base = Settings(environment="production", teams=TeamsSettings(enabled=False))
    slack = SlackSettings(signing_secret="s", client_id="1.2", client_secret="c")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        base.with_(slack=slack).check()
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET is not set"):
        base.with_(slack=SlackSettings(signing_secret="s", client_id="1.2")).check()
    base.with_(slack=slack, secret_key=KEY).check()
