"""The Slack manifest matches what the app listens to: every event and the command it handles are
subscribed, every URL points at /slack/events, the scopes are exactly the least-privilege set, and people can
DM the bot (App Home's Messages tab). tests/test_platform_fidelity.py checks the scopes against the calls."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fakes import slack_manifest

MANIFEST = Path(__file__).resolve().parents[2] / "manifests" / "slack.yaml"


def _list_under(text: str, key: str) -> list[str]:
    # The manifest is plain YAML with "key:" followed by "- item  # why" lines; no YAML library needed.
    block = re.search(rf"^(\s*){re.escape(key)}:\s*\n((?:\1\s+[-#].*\n)+)", text, re.MULTILINE)
    assert block, f"manifests/slack.yaml: no list under {key!r}"
    items = [line.split("#")[0].strip() for line in block.group(2).splitlines()]
    return [item.removeprefix("-").strip() for item in items if item]


def test_manifest_subscribes_to_exactly_what_the_listeners_handle():
    text = MANIFEST.read_text()
    assert sorted(_list_under(text, "bot_events")) == sorted(
        [
            "app_mention",
            "message.im",
            "message.channels",
            "reaction_added",
            "reaction_removed",
            "app_uninstalled",
            "tokens_revoked",
        ]
    )
    assert "command: /scenario" in text and "usage_hint:" in text
    assert re.search(r"interactivity:\s*\n\s*is_enabled: true", text)


def test_manifest_scopes_are_least_privilege_and_each_is_explained():
    text = MANIFEST.read_text()
    scopes = _list_under(text, "bot")
    assert sorted(scopes) == sorted(
        [
            "commands",
            "chat:write",
            "app_mentions:read",
            "im:history",
            "im:write",
            "channels:history",
            "reactions:read",
            "files:write",
            "files:read",
            "users:read",
        ]
    )
    for scope in scopes:
        assert re.search(rf"- {re.escape(scope)}\s+# \w", text), f"scope {scope} has no comment saying why"
    # an install through /slack/install asks for exactly these
    from bot.slack.oauth import BOT_SCOPES

    assert sorted(BOT_SCOPES) == sorted(scopes)


def test_installs_come_back_to_the_oauth_redirect():
    assert _list_under(MANIFEST.read_text(), "redirect_urls") == ["https://YOUR-HOST/slack/oauth_redirect"]
    assert slack_manifest.load()["settings"]["org_deploy_enabled"] is True  # org-wide installs on Enterprise Grid


def test_every_request_url_is_the_events_endpoint():
    urls = re.findall(r"(?:url|request_url): (\S+)", MANIFEST.read_text())
    assert len(urls) == 3 and set(urls) == {"https://YOUR-HOST/slack/events"}


def test_people_can_send_the_bot_direct_messages():
    # Without the Messages tab on and writable, Slack shows "Sending messages to this app has been turned off"
    home = slack_manifest.load()["features"]["app_home"]
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False
    assert "message.im" in slack_manifest.bot_events() and "im:history" in slack_manifest.bot_scopes()


def test_the_manifest_reader_reads_what_the_regex_reads():
    text = MANIFEST.read_text()
    assert sorted(slack_manifest.bot_scopes()) == sorted(_list_under(text, "bot"))
    assert sorted(slack_manifest.bot_events()) == sorted(_list_under(text, "bot_events"))
