"""The fake Slack's installs: OAuth v2 codes, the tokens they become, token rotation, revocation, auth.test.

Owns what Slack's side of an install does, for the fake Web API (tests/fakes/platform_server.py):
- `authorize(team=..., ...)` is the person approving the app on slack.com/oauth/v2/authorize: it returns the
  `code` Slack appends to the redirect. A code is good once, for 10 minutes (docs.slack.dev/authentication/
  installing-with-oauth: "temporary authorization code ... expires after ten minutes").
- `oauth.v2.access` (docs.slack.dev/reference/methods/oauth.v2.access) authenticates the app by HTTP Basic auth
  (client_id:client_secret, as slack_sdk sends them) or form fields; `invalid_client_id` / `bad_client_secret`
  otherwise. With a `code` it returns the bot token (`xoxb-...`, or with rotation on `xoxe.xoxb-1-...` plus
  `refresh_token` `xoxe-1-...` and `expires_in`), `team` (null for an org-wide install), `enterprise`,
  `is_enterprise_install`, `bot_user_id`, `app_id`, `scope`, `authed_user`. With `grant_type=refresh_token` it
  spends the refresh token and returns a new pair: a refresh token is good ONCE, a spent one answers
  `invalid_refresh_token` (docs.slack.dev/authentication/using-token-rotation), and the old access token keeps
  working until it expires.
- Every Web API call is checked against the tokens issued here: an expired token answers `token_expired`, a
  revoked one (`uninstall`, `revoke`) `token_revoked`, an unknown rotated one `invalid_auth`. A static `xoxb-`
  token the fake never issued is taken as the default workspace's, as before (the tests' SLACK_BOT_TOKEN).
- `auth.test` answers for the token it is called with: its team, enterprise, bot user and bot id.
Tests count by team: `fake.calls_for(team, path)`, and `fake.oauth.refreshes` (refresh grants answered).
"""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

__all__ = ["FakeSlackOAuth", "Grant", "CLIENT_ID", "CLIENT_SECRET", "APP_ID"]

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "f4k3c113n7s3cr3700000000000000aa"
APP_ID = "A_SCENARIO"
CODE_TTL = 600.0
TOKEN_TTL = 43_200  # 12 hours, Slack's lifetime of a rotating token


@dataclass
class Grant:
    """One installation as Slack sees it: where, by whom, which scopes, and whether its tokens rotate."""

    team: str | None
    team_name: str
    enterprise: str | None
    enterprise_name: str | None
    org_wide: bool
    user: str
    scopes: str
    rotation: bool
    bot_user: str
    bot_id: str


@dataclass
class _Token:
    grant: Grant
    expires_at: float | None
    revoked: bool = False


class FakeSlackOAuth:
    def __init__(self, default_team: str, bot_user: str, bot_id: str) -> None:
        self.default_team = default_team
        self.default_bot = (bot_user, bot_id)
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.token_ttl = TOKEN_TTL  # what expires_in says for new rotating tokens (tests shorten it)
        self.codes: dict[str, tuple[Grant, float]] = {}
        self.tokens: dict[str, _Token] = {}
        self.refresh_tokens: dict[str, Grant] = {}  # unspent refresh tokens
        self.refreshes = 0  # refresh grants answered ok
        self._n = itertools.count(1)

    # ---------------------------------------------------------------- what a person does on slack.com

    def authorize(
        self,
        *,
        team: str | None,
        team_name: str = "Acme Sales",
        enterprise: str | None = None,
        enterprise_name: str | None = None,
        org_wide: bool = False,
        user: str = "U_ADMIN",
        scopes: str = "commands,chat:write",
        rotation: bool = False,
        issued_at: float | None = None,
        bot_user: str | None = None,
    ) -> str:
        """The installer approves the app: the code Slack puts on the redirect URL. The bot's user id is
        `U_BOT_<team>` unless `bot_user` says (the payload builders mention U_BOT)."""
        n = next(self._n)
        grant = Grant(
            team=None if org_wide else team,
            team_name=team_name,
            enterprise=enterprise,
            enterprise_name=enterprise_name or (enterprise and f"{enterprise} org"),
            org_wide=org_wide,
            user=user,
            scopes=scopes,
            rotation=rotation,
            bot_user=bot_user or f"U_BOT_{team or enterprise}",
            bot_id=f"B_BOT_{team or enterprise}",
        )
        code = f"{n}.{int(time.time())}.c0de{n:04x}"
        self.codes[code] = (grant, time.time() if issued_at is None else issued_at)
        return code

    def revoke(self, team: str) -> None:
        """Every token of `team` (a workspace or an org) stops working: an uninstall, or tokens revoked."""
        for token in self.tokens.values():
            if team in (token.grant.team, token.grant.enterprise):
                token.revoked = True
        for refresh, grant in list(self.refresh_tokens.items()):
            if team in (grant.team, grant.enterprise):
                del self.refresh_tokens[refresh]

    def expire_in(self, token: str, seconds: float) -> None:
        self.tokens[token].expires_at = time.time() + seconds

    # ---------------------------------------------------------------- the Web API side

    def check(self, authorization: str) -> tuple[str | None, str | None]:
        """(error, team) for a call's Authorization header: error None when the token may call."""
        if not authorization.startswith("Bearer "):
            return ("not_authed" if not authorization else "invalid_auth"), None
        token = authorization.removeprefix("Bearer ")
        known = self.tokens.get(token)
        if known is None:
            if token.startswith("xoxb-"):
                return None, self.default_team  # a token configured by hand: the single workspace
            return "invalid_auth", None
        if known.revoked:
            return "token_revoked", None
        if known.expires_at is not None and known.expires_at <= time.time():
            return "token_expired", None
        return None, known.grant.team or known.grant.enterprise

    def auth_test(self, authorization: str) -> dict[str, Any]:
        token = authorization.removeprefix("Bearer ")
        known = self.tokens.get(token)
        if known is None:
            bot_user, bot_id = self.default_bot
            team, enterprise, org_wide = self.default_team, None, False
        else:
            grant = known.grant
            bot_user, bot_id, team, enterprise, org_wide = (
                grant.bot_user,
                grant.bot_id,
                grant.team,
                grant.enterprise,
                grant.org_wide,
            )
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "scenario",
            "team_id": team or "",
            "user_id": bot_user,
            "bot_id": bot_id,
            "enterprise_id": enterprise,
            "is_enterprise_install": org_wide,
        }

    def access(self, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        client_id, client_secret = _client(headers, body)
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        if body.get("grant_type") == "refresh_token":
            return self._refresh(str(body.get("refresh_token") or ""))
        if body.get("grant_type") not in (None, "", "authorization_code"):
            return {"ok": False, "error": "invalid_grant_type"}
        found = self.codes.pop(str(body.get("code") or ""), None)  # a code is good once
        if found is None or time.time() - found[1] > CODE_TTL:
            return {"ok": False, "error": "invalid_code"}
        grant = found[0]
        answer = {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": grant.user},
            "scope": grant.scopes,
            "token_type": "bot",
            "bot_user_id": grant.bot_user,
            "team": None if grant.org_wide else {"id": grant.team, "name": grant.team_name},
            "enterprise": {"id": grant.enterprise, "name": grant.enterprise_name} if grant.enterprise else None,
            "is_enterprise_install": grant.org_wide,
        }
        return {**answer, **self._issue(grant)}

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        grant = self.refresh_tokens.pop(refresh_token, None)  # spent by this call, whatever happens next
        if grant is None:
            return {"ok": False, "error": "invalid_refresh_token"}
        self.refreshes += 1
        return {
            "ok": True,
            "app_id": APP_ID,
            "token_type": "bot",
            "scope": grant.scopes,
            "bot_user_id": grant.bot_user,
            "team": None if grant.org_wide else {"id": grant.team, "name": grant.team_name},
            "enterprise": {"id": grant.enterprise, "name": grant.enterprise_name} if grant.enterprise else None,
            **self._issue(grant),
        }

    def _issue(self, grant: Grant) -> dict[str, Any]:
        n = next(self._n)
        where = grant.team or grant.enterprise
        if not grant.rotation:
            token = f"xoxb-{n}-{where}-{n:06d}static"
            self.tokens[token] = _Token(grant, None)
            return {"access_token": token}
        token = f"xoxe.xoxb-1-{where}-{n:06d}rotating"
        refresh = f"xoxe-1-{where}-{n:06d}refresh"
        self.tokens[token] = _Token(grant, time.time() + self.token_ttl)
        self.refresh_tokens[refresh] = grant
        return {"access_token": token, "refresh_token": refresh, "expires_in": int(self.token_ttl)}


def _client(headers: dict[str, str], body: dict[str, Any]) -> tuple[str, str]:
    auth = headers.get("Authorization", "")
    if auth.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            return "", ""
        return unquote(user), unquote(password)
    return str(body.get("client_id") or ""), str(body.get("client_secret") or "")
