"""The fake Slack's OAuth side behaves as Slack documents it: a code is good once, a refresh token is good once (a
spent one is invalid_refresh_token), the app must authenticate, tokens stop working when they expire or are
revoked, and auth.test answers for the calling token's team."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET


async def _error(call) -> str:
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value.response["error"]


async def test_codes_and_refresh_tokens_are_good_once_and_tokens_expire_or_get_revoked(fake):
    client = AsyncWebClient(base_url=fake.slack_api_url, retry_handlers=[])
    app = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    code = fake.oauth.authorize(team="T_A", enterprise="E_1", rotation=True)
    assert await _error(client.oauth_v2_access(client_id=CLIENT_ID, client_secret="wrong", code=code)) == (
        "bad_client_secret"
    )
    installed = await client.oauth_v2_access(**app, code=code)
    assert (installed["team"]["id"], installed["enterprise"]["id"], installed["is_enterprise_install"]) == (
        "T_A",
        "E_1",
        False,
    )
    assert installed["access_token"].startswith("xoxe.xoxb-1-") and installed["expires_in"] == 43_200
    assert await _error(client.oauth_v2_access(**app, code=code)) == "invalid_code"  # a code is good once

    first = installed["refresh_token"]
    refreshed = await client.oauth_v2_access(**app, grant_type="refresh_token", refresh_token=first)
    assert refreshed["access_token"] != installed["access_token"] and refreshed["refresh_token"] != first
    spent = client.oauth_v2_access(**app, grant_type="refresh_token", refresh_token=first)
    assert await _error(spent) == "invalid_refresh_token"

    old, new = installed["access_token"], refreshed["access_token"]
    assert (await client.auth_test(token=old))["team_id"] == "T_A"  # the old token works until it expires
    fake.oauth.expire_in(old, -1)
    assert await _error(client.auth_test(token=old)) == "token_expired"
    fake.oauth.revoke("T_A")
    assert await _error(client.chat_postMessage(token=new, channel="C_SALES", text="hi")) == "token_revoked"
    assert await _error(client.auth_test(token="xoxe.xoxb-1-never-issued")) == "invalid_auth"
    assert fake.calls_for("T_A", "/api/auth.test")[0].headers["Authorization"] == f"Bearer {old}"


async def test_an_org_wide_install_belongs_to_the_organisation(fake):
    client = AsyncWebClient(base_url=fake.slack_api_url, retry_handlers=[])
    code = fake.oauth.authorize(team=None, enterprise="E_1", org_wide=True)
    installed = await client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
    assert installed["team"] is None and installed["is_enterprise_install"] is True
    assert "refresh_token" not in installed  # rotation off: a token that does not expire
    tested = await client.auth_test(token=installed["access_token"])
    assert (tested["enterprise_id"], tested["is_enterprise_install"]) == ("E_1", True)
