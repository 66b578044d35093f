"""One fake platform server for end-to-end tests: Slack's Web API and the Bot Framework Connector.

Owns a small aiohttp app started on an EPHEMERAL loopback port inside the test's own event loop (never a
fixed port, never a thread). It records every request it receives (method, path, headers, parsed body) so
tests assert on the calls the bot really made, and answers Slack methods under /api/ with realistic
bodies. A test can queue overrides per (method, path), e.g. one 429 with Retry-After, or a Slack error.

    fake = await FakePlatform.start()
    settings = SlackSettings(bot_token="xoxb-test", api_url=fake.slack_api_url, ...)
    ...
    [post] = await fake.wait_for("POST", "/api/chat.postMessage")
    post.body["blocks"]

It refuses what the real platforms refuse, so a test cannot pass on behaviour that fails in production
(docs: /work/shared/notes/platform-notes.md; the rules are configurable per test, the defaults keep ordinary
tests realistic):
- Scopes: a method outside `fake.scopes` (default: the bot scopes manifests/slack.yaml declares; table in
  tests/fakes/slack_scopes.py) answers `missing_scope` with `needed` and `provided`.
- Membership: chat.postMessage/postEphemeral/update, history and uploads in a channel the bot has not joined
  answer `not_in_channel` (public; `chat:write.public` lifts it for posting) or `channel_not_found` (private).
  The test channels (C_SALES) are joined; `fake.leave(channel)` / `fake.join(channel)`; DMs (D...) always work.
- Modals: views.open refuses an invalid view (title over 24 characters, unknown input element, a select without
  options, number_input without is_decimal_allowed, ...) with `invalid_arguments`, as Slack does.
- Trigger ids: views.open checks the trigger's issue time (tests/fakes/slack_payloads.py `issue_trigger`):
  older than `trigger_ttl` (3 s) -> `expired_trigger_id`, used twice -> `exchanged_trigger_id`, never issued
  -> `invalid_trigger_id`.
- Rate: chat.postMessage per channel is a token bucket (`post_rate` per second, `post_burst` at once, by default
  1/s and 30): beyond it HTTP 429 with `Retry-After` and `{"ok": false, "error": "ratelimited"}`.
- History: every message the fake answered ok to is stored (with its `metadata`); conversations.history and
  conversations.replies return them as Slack does (history newest first, replies oldest first from the parent;
  `oldest`/`latest`/`inclusive`/`limit`/`cursor`; `metadata` only with `include_all_metadata`). An override
  (5xx, 429) stores nothing; `fake.lose_answer(method)` stores the message and THEN answers 500 or drops the
  connection: the ambiguous "posted, but the answer was lost" case.
- conversations.open gives a stable D... channel per user; users.info answers `fake.users` (profile
  display_name/real_name, tz, tz_offset, team_id), `user_not_found` otherwise.

Slash commands' response_url: `fake.response_url()` is a URL on this server (as hooks.slack.com/commands/...
is on Slack) to put in a slash command payload. POSTs to it are recorded and answered as Slack does: valid for
`response_url_ttl` (30 minutes) from its issue time and for `response_url_uses` (5) posts, then HTTP 404
`expired_url` / `used_url`; `response_type` must be in_channel or ephemeral. `fake.responses()` lists them.

Files shared with the bot: `fake.add_file("pipeline.csv", data)` returns Slack's file object (id, name, size,
url_private_download on this server); `files.info` answers it, and GET of that URL serves the bytes only with
`Authorization: Bearer xoxb-...` (without it, a sign-in page, as Slack does).

Installs (tests/fakes/slack_oauth.py, `fake.oauth`): `fake.oauth.authorize(team=...)` gives the code of an OAuth v2
install, `oauth.v2.access` exchanges it (and refresh tokens, each good once), every Web API call is checked against
the tokens issued (expired: `token_expired`, revoked by `fake.oauth.revoke(team)`: `token_revoked`), `auth.test`
answers for the calling token's team, and each recorded call names the team whose token made it (`Recorded.team`,
`fake.calls_for(team, path)`).

Bot Connector (Teams): activities whose serviceUrl is `fake.url + "/"` make the bot post replies to
`POST /v3/conversations/{id}/activities[/{replyToId}]` and updates to `PUT /v3/conversations/{id}/activities/{id}`;
a proactive 1:1 starts with `POST /v3/conversations` (refused without the tenant, as Teams does).
A new activity is answered 201 `{"id": ...}` as the Connector documents; an activity the service splits into
several messages (text AND attachments, or several attachments) is answered 202 with no body, hence no id
(OfficeDev/BotBuilder-MicrosoftTeams#125, MicrosoftDocs/msteams-docs#1321); `fake.connector_returns_ids = False`
models the open bug where channel sends return no id at all (OfficeDev/Microsoft-Teams-Samples#1561,
MicrosoftDocs/bot-docs#2263). Every Adaptive Card is checked against the Teams host config
(microsoft/AdaptiveCards samples/HostConfig/microsoft-teams-light.json): more than `TEAMS_MAX_ACTIONS` (6)
top-level actions, or a schema version above 1.5, is recorded in `fake.card_violations`; Teams itself accepts
such a card and silently drops the extra buttons, but the fake REJECTS it (400 BadArgument) unless
`fake.strict_cards = False`, so no test passes while people would miss a button. `fake.jwks` is served as OpenID
metadata under /openid/ so token validation can run against a locally generated key.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.fakes import slack_manifest, slack_scopes
from tests.fakes.slack_oauth import FakeSlackOAuth
from tests.fakes.slack_payloads import CHANNEL, DM_CHANNEL, trigger_issued_at

__all__ = [
    "FakePlatform",
    "Recorded",
    "Override",
    "BOT_USER_ID",
    "BOT_ID",
    "TEAM_ID",
    "TEAMS_MAX_ACTIONS",
    "teams_card_problem",
]

BOT_USER_ID = "U_BOT"
BOT_ID = "B_BOT"
TEAM_ID = "T_TEAM"
TEAMS_MAX_ACTIONS = 6  # maxActions in the Teams host config
TEAMS_MAX_CARD_VERSION = (1, 5)
# Methods that act in a channel, and so need the bot to be a member of it (the channel's argument name).
_IN_CHANNEL = {
    "chat.postMessage": "channel",
    "chat.postEphemeral": "channel",
    "chat.update": "channel",
    "conversations.history": "channel",
    "conversations.replies": "channel",
    "files.completeUploadExternal": "channel_id",
}
_DEFAULT_USERS = {
    "U_DANA": ("Dana", "Dana Rep", "Europe/Berlin", 3600),
    "U_LEE": ("lee", "Lee Park", "America/New_York", -18000),
    "U_EXPERT": ("Sam (finance)", "Sam Expert", "Europe/London", 0),
}


@dataclass
class Recorded:
    """One request the fake received. `body` is parsed JSON, a form dict, or raw bytes (file uploads);
    query parameters are merged into `body` when it is a dict (slack_sdk sends some methods that way)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float
    reply: Any = None  # the JSON the fake answered with (e.g. the ts it gave a posted message)
    peer: str = ""  # the client's address and port: requests on one kept-alive connection share it
    team: str | None = None  # Slack calls: the workspace (or org) whose token made the call

    @property
    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class Override:
    """A canned answer used once (then the default behaviour resumes)."""

    status: int = 200
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    after: bool = False  # run the method first (its effects happen), then answer this: the ambiguous case
    drop: bool = False  # (with after) close the connection instead of answering


@dataclass
class _Bucket:
    tokens: float
    at: float


class FakePlatform:
    """The fake server. Create with `await FakePlatform.start()`, close with `await fake.close()`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._overrides: dict[tuple[str, str], deque[Override]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._last_ts = 0.0
        self._files = itertools.count(1)
        self._changed = asyncio.Condition()
        self.slack_delay: dict[str, float] = {}  # per Slack method: seconds to wait before answering
        self.server: TestServer | None = None
        self._activity_ids = itertools.count(1)
        self.jwks: dict[str, Any] = {"keys": []}  # served at /openid/keys (Bot Framework token validation)
        self.oauth = FakeSlackOAuth(TEAM_ID, BOT_USER_ID, BOT_ID)
        self._slack: dict[str, Callable[[Recorded], dict[str, Any]]] = {
            "auth.test": lambda r: self.oauth.auth_test(r.headers.get("Authorization", "")),
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": lambda r: {"ok": True, "message_ts": self._next_ts()},
            "chat.update": self._update_message,
            "views.open": self._views_open,
            "reactions.add": lambda r: {"ok": True},
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "files.info": self._file_info,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.open": self._open_dm,
            "users.info": self._user_info,
            "chat.getPermalink": self._permalink,
        }
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}  # shared files: id -> (file object, bytes)
        # --- what the real Web API enforces (see the module docstring); tests may change any of these
        self.scopes: set[str] = set(slack_manifest.bot_scopes())
        self.joined: set[str] = {CHANNEL}
        self.private: set[str] = set()  # channels that are private (not_in_channel becomes channel_not_found)
        self.trigger_ttl = 3.0
        self.post_rate = 1.0  # chat.postMessage per channel per second, refilled continuously
        self.post_burst = 30.0  # and how many may go at once
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)  # channel -> stored messages
        self.users: dict[str, dict[str, Any]] = {uid: _user(uid, *info) for uid, info in _DEFAULT_USERS.items()}
        self.dms: dict[str, str] = {"U_DANA": DM_CHANNEL}  # user -> the bot's DM channel with them
        self._used_triggers: set[str] = set()
        self._buckets: dict[str, _Bucket] = {}
        # --- Bot Connector
        self.strict_cards = True
        self.connector_returns_ids = True
        self.card_violations: list[str] = []
        self.teams_without_app: set[str] = set()  # AAD object ids the bot cannot start a 1:1 chat with
        self.personal_chats: dict[str, str] = {}  # member id -> the 1:1 conversation id created for them
        # --- slash commands' response_urls
        self.response_url_ttl = 30 * 60.0
        self.response_url_uses = 5
        self._response_urls = itertools.count(1)
        self._response_uses: dict[str, int] = defaultdict(int)

    # ---------------------------------------------------------------- lifecycle

    @classmethod
    async def start(cls) -> FakePlatform:
        fake = cls()
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", fake._handle)
        fake.server = TestServer(app, host="127.0.0.1", port=0)  # port 0: the OS picks a free port
        await fake.server.start_server()
        return fake

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None, "call FakePlatform.start() first"
        return str(self.server.make_url("")).rstrip("/")

    @property
    def slack_api_url(self) -> str:
        return self.url + "/api/"

    # ---------------------------------------------------------------- test helpers

    def override(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        """Queue `times` canned answers for (method, path); afterwards the default behaviour resumes."""
        for _ in range(times):
            self._overrides[(method.upper(), path)].append(Override(status, json, dict(headers or {}), delay))

    def lose_answer(self, slack_method: str, *, drop: bool = False, times: int = 1) -> None:
        """The next `times` calls of `slack_method` take effect (a post is stored, so history shows it) and
        then the answer is lost: HTTP 500, or with `drop` the connection closes without an answer. This is
        the ambiguous failure: the caller cannot know whether the message went out."""
        for _ in range(times):
            canned = Override(500, {"ok": False, "error": "internal_error"}, after=True, drop=drop)
            self._overrides[("POST", f"/api/{slack_method}")].append(canned)

    def join(self, channel: str) -> None:
        self.joined.add(channel)

    def leave(self, channel: str, *, private: bool = False) -> None:
        """The bot is not (or no longer) a member of `channel`; a private one is invisible to it."""
        self.joined.discard(channel)
        if private:
            self.private.add(channel)

    def add_user(
        self,
        user_id: str,
        *,
        display_name: str = "",
        real_name: str = "",
        tz: str = "Europe/Berlin",
        tz_offset: int = 3600,
        team_id: str = TEAM_ID,
        is_admin: bool = False,
        is_owner: bool = False,
        enterprise_id: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        title: str = "",
    ) -> dict[str, Any]:
        """A person users.info knows (`team_id` other than the workspace's: a Slack Connect guest); `is_admin` /
        `is_owner`: a Workspace Admin / Owner, as users.info flags them. An Enterprise Grid member also carries
        `enterprise_user` (id, enterprise_id, teams), as users.info documents it (api.slack.com/methods/users.info,
        api.slack.com/enterprise/grid/...: "enterprise_user"); a bot user has is_bot, a deactivated account
        `deleted`; `title` is the profile's job title."""
        found = _user(user_id, display_name, real_name, tz, tz_offset, team_id)
        found.update(is_bot=is_bot, deleted=deleted, is_admin=is_admin or is_owner, is_owner=is_owner)
        found["is_primary_owner"] = False
        found["profile"]["title"] = title
        if enterprise_id:
            found["enterprise_user"] = {
                "id": user_id,
                "enterprise_id": enterprise_id,
                "enterprise_name": enterprise_id,
                "is_admin": False,
                "is_owner": False,
                "teams": [team_id],
            }
        self.users[user_id] = found
        return found

    def response_url(self, *, issued_at: float | None = None) -> str:
        """A slash command's response_url on this server, issued at `issued_at` (default: now)."""
        issued = time.time() if issued_at is None else issued_at
        return f"{self.url}/commands/{TEAM_ID}/{next(self._response_urls)}/{issued:.3f}"

    def responses(self) -> list[Recorded]:
        """The posts to response_urls that were answered ok, in arrival order."""
        return [r for r in self.requests if r.path.startswith("/commands/") and r.reply == "ok"]

    def said(self, channel: str, ts: str, text: str, user: str, thread_ts: str | None = None) -> None:
        """A message a person posted (an @mention, a thread reply): Slack has it in the channel's history and in
        its thread's replies, so a look-up in that thread finds the thread (the fake otherwise knows only what
        the bot posted)."""
        message = {"type": "message", "user": user, "ts": ts, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages[channel].append(message)

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The messages the fake stored in `channel` (posted with an ok answer), oldest first."""
        return list(self.messages.get(channel, []))

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def calls_for(self, team: str, path: str) -> list[Recorded]:
        """The Web API calls of `path` made with a token of `team` (a workspace, or an org for an org-wide install)."""
        return [r for r in self.requests if r.path == path and r.team == team]

    def bodies(self, path: str) -> list[Any]:
        return [r.body for r in self.requests if r.path == path]

    def slack_calls(self) -> list[Recorded]:
        """Every Web API call except auth.test (which Bolt makes once on its own)."""
        return [r for r in self.requests if r.path.startswith("/api/") and r.path != "/api/auth.test"]

    def add_file(
        self, name: str, data: bytes, *, mimetype: str = "text/csv", size: int | None = None
    ) -> dict[str, Any]:
        """A file someone shared: Slack's file object as events and files.info carry it (`size` may lie, to
        imitate a file too big to download)."""
        file_id = f"F{next(self._files):08d}"
        obj = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1],
            "size": len(data) if size is None else size,
            "mode": "hosted",
            "url_private": f"{self.url}/files-pri/{TEAM_ID}-{file_id}/{name}",
            "url_private_download": f"{self.url}/files-pri/{TEAM_ID}-{file_id}/download/{name}",
        }
        self.files[file_id] = (obj, data)
        return obj

    # The timeout parameter is the helper's public contract (tests read better with it than with a wrapper).
    async def wait_for(self, method: str, path: str, count: int = 1, timeout: float = 5.0) -> list[Recorded]:  # noqa: ASYNC109
        """Wait until at least `count` matching requests arrived; return them. Work after Slack's ack runs
        after the HTTP response, so tests must wait for its side effects rather than assert at once."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while len(found := self.calls(method, path)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({f"{r.method} {r.path}" for r in self.requests})
                    raise AssertionError(
                        f"waited {timeout}s for {count} x {method} {path}, got {len(found)}; seen: {seen}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)
            return found

    # ---------------------------------------------------------------- request handling

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        peername = request.transport.get_extra_info("peername") if request.transport else None
        recorded = Recorded(request.method, request.path, dict(request.headers), await _parse(request), time.time())
        recorded.peer = f"{peername[0]}:{peername[1]}" if peername else ""
        self.requests.append(recorded)
        async with self._changed:
            self._changed.notify_all()

        queued = self._overrides.get((request.method, request.path))
        if queued:
            canned = queued.popleft()
            if canned.delay:
                await asyncio.sleep(canned.delay)
            if canned.after:
                await self._serve(request, recorded)  # it happens; only the answer is lost
                if canned.drop:
                    assert request.transport is not None
                    request.transport.close()
                    return web.Response(status=500)
            return web.json_response(
                canned.json or {"ok": canned.status < 400}, status=canned.status, headers=canned.headers
            )
        return await self._serve(request, recorded)

    async def _serve(self, request: web.Request, recorded: Recorded) -> web.StreamResponse:

        if request.path.startswith("/upload/"):
            return web.Response(text="OK - " + str(len(recorded.body or b"")))
        if request.path.startswith("/files-pri/"):
            return self._download(request.path, recorded)
        if request.path.startswith("/api/"):
            return await self._slack_method(request.path.removeprefix("/api/"), recorded)
        if request.path == "/v3/conversations" and request.method == "POST":
            return self._create_conversation(recorded)
        if request.path.startswith("/v3/conversations/"):
            return self._connector(request.method, request.path, recorded)
        if request.path.startswith("/commands/") and request.method == "POST":
            return self._respond(request.path, recorded)
        if request.path == "/openid/.well-known/openidconfiguration":
            return web.json_response({"issuer": "https://api.botframework.com", "jwks_uri": self.url + "/openid/keys"})
        if request.path == "/openid/keys":
            return web.json_response(self.jwks)
        return web.json_response({"error": f"the fake does not serve {request.method} {request.path}"}, status=404)

    async def _slack_method(self, method: str, recorded: Recorded) -> web.Response:
        if delay := self.slack_delay.get(method):
            await asyncio.sleep(delay)
        if method == "oauth.v2.access":  # the app authenticates with its client id and secret, not a token
            recorded.reply = self.oauth.access(recorded.headers, recorded.json)
            return web.json_response(recorded.reply)
        # Slack answers 200 with ok=false for a missing, wrong, expired or revoked token.
        error, recorded.team = self.oauth.check(recorded.headers.get("Authorization", ""))
        if error:
            recorded.reply = {"ok": False, "error": error}
            return web.json_response(recorded.reply)
        handler = self._slack.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        body = recorded.json
        refused = self._missing_scope(method, body) or self._not_member(method, body)
        if refused:
            recorded.reply = refused
            return web.json_response(refused)
        if method == "chat.postMessage" and (wait := self._rate_limited(str(body.get("channel") or ""))):
            recorded.reply = {"ok": False, "error": "ratelimited"}
            return web.json_response(recorded.reply, status=429, headers={"Retry-After": str(wait)})
        recorded.reply = handler(recorded)
        return web.json_response(recorded.reply)

    def _respond(self, path: str, recorded: Recorded) -> web.Response:
        # /commands/T_TEAM/<n>/<issued epoch seconds>: Slack answers plain text, 200 "ok" or 404 with the reason
        try:
            issued = float(path.rsplit("/", 1)[-1])
        except ValueError:
            return web.Response(status=404, text="invalid_url")
        body = recorded.json
        if time.time() - issued > self.response_url_ttl:
            recorded.reply = "expired_url"
        elif self._response_uses[path] >= self.response_url_uses:
            recorded.reply = "used_url"
        elif body.get("response_type", "ephemeral") not in ("in_channel", "ephemeral"):
            recorded.reply = "invalid_response_type"
            return web.Response(status=400, text=recorded.reply)
        elif not body.get("text") and not body.get("blocks"):
            recorded.reply = "no_text"
            return web.Response(status=400, text=recorded.reply)
        else:
            self._response_uses[path] += 1
            recorded.reply = "ok"
            return web.Response(text="ok")
        return web.Response(status=404, text=recorded.reply)

    # ---------------------------------------------------------------- what Slack enforces

    def _missing_scope(self, method: str, body: dict[str, Any]) -> dict[str, Any] | None:
        channel = str(body.get("channel") or body.get("channel_id") or "")
        needed = slack_scopes.needed_scopes(method, channel)
        if not needed or any(scope in self.scopes for scope in needed):
            return None
        provided = ",".join(sorted(self.scopes))
        return {"ok": False, "error": "missing_scope", "needed": ",".join(needed), "provided": provided}

    def _not_member(self, method: str, body: dict[str, Any]) -> dict[str, Any] | None:
        key = _IN_CHANNEL.get(method)
        channel = str(body.get(key) or "") if key else ""
        if not channel or channel.startswith("D") or channel in self.joined:
            return None  # DMs: the bot is always in its own IMs
        if channel in self.private:
            return {"ok": False, "error": "channel_not_found"}
        if method == "chat.postMessage" and "chat:write.public" in self.scopes:
            return None
        return {"ok": False, "error": "not_in_channel"}

    def _rate_limited(self, channel: str) -> int:
        """0 when a post may go now (taking a token), else the whole seconds until one is available."""
        now = time.monotonic()
        bucket = self._buckets.setdefault(channel, _Bucket(self.post_burst, now))
        bucket.tokens = min(self.post_burst, bucket.tokens + (now - bucket.at) * self.post_rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / self.post_rate))

    # ---------------------------------------------------------------- Bot Connector (Teams)

    def _create_conversation(self, recorded: Recorded) -> web.Response:
        """Create Conversation (POST /v3/conversations, learn.microsoft.com/azure/bot-service/rest-api/
        bot-framework-rest-connector-api-reference#create-conversation): a 1:1 chat with one member, answered with
        a ConversationResourceResponse; the same member gets the same conversation again. Teams refuses a member
        who has not installed the app with 403 (learn.microsoft.com/microsoftteams/platform/bots/how-to/
        conversations/send-proactive-messages: "the app must be installed for the user")."""
        body = recorded.json or {}
        members = body.get("members") or []
        if body.get("isGroup") or len(members) != 1 or not (members[0] or {}).get("id"):
            error = {"code": "BadArgument", "message": "a 1:1 conversation takes exactly one member"}
            return web.json_response({"error": error}, status=400)
        tenant = body.get("tenantId") or ((body.get("channelData") or {}).get("tenant") or {}).get("id")
        if not tenant:  # botbuilder-python#128/#140: "Could not parse tenant id"
            error = {"code": "BadArgument", "message": "Could not parse tenant id"}
            return web.json_response({"error": error}, status=400)
        member = str(members[0]["id"])
        if member in self.teams_without_app:
            recorded.reply = {
                "error": {"code": "Forbidden", "message": "The bot is not part of the conversation roster."}
            }
            return web.json_response(recorded.reply, status=403)
        chat = self.personal_chats.setdefault(member, f"a:1personal-{hashlib.sha256(member.encode()).hexdigest()[:12]}")
        recorded.reply = {"id": chat, "serviceUrl": self.url + "/"}
        return web.json_response(recorded.reply, status=201)

    def connector_calls(self, method: str = "POST") -> list[Recorded]:
        """Every Bot Connector call of `method` (POST: new activities, PUT: updates), in arrival order."""
        return [r for r in self.requests if r.method == method and r.path.startswith("/v3/conversations/")]

    def teams_chat_posts(self, member: str) -> list[Recorded]:
        """The activities the bot posted in its 1:1 chat with `member` (created with Create Conversation)."""
        chat = self.personal_chats.get(member)
        return [r for r in self.connector_calls("POST") if chat and r.path.startswith(f"/v3/conversations/{chat}/")]

    def _connector(self, method: str, path: str, recorded: Recorded) -> web.Response:
        # /v3/conversations/{conversationId}/activities[/{activityId}]; the id may hold ';messageid=' (decoded)
        rest = path.removeprefix("/v3/conversations/")
        conversation, _, tail = rest.partition("/activities")
        activity_id = tail.strip("/")
        if not conversation:
            return web.json_response({"error": {"code": "BadArgument", "message": "no conversation id"}}, status=400)
        if method in ("POST", "PUT") and (problem := teams_card_problem(recorded.json)):
            self.card_violations.append(f"{method} {path}: {problem}")
            if self.strict_cards:
                error = {"code": "BadArgument", "message": f"Teams cannot show this card: {problem}"}
                return web.json_response({"error": error}, status=400)
        if method == "POST":
            activity = recorded.json
            attachments = activity.get("attachments") or []
            split = len(attachments) > 1 or (bool(attachments) and bool(activity.get("text")))
            if split or not self.connector_returns_ids:
                # the service split it into several messages (or, the open bug, kept the id to itself)
                recorded.reply = None
                return web.Response(status=202)
            recorded.reply = {"id": f"{1_800_000_000_000 + next(self._activity_ids)}"}
        elif method == "PUT" and activity_id:
            recorded.reply = {"id": activity_id}
        elif method == "DELETE" and activity_id:
            return web.Response(status=200)
        else:
            return web.json_response({"error": {"code": "BadSyntax", "message": f"{method} {path}"}}, status=405)
        return web.json_response(recorded.reply, status=201 if method == "POST" else 200)

    # ---------------------------------------------------------------- Slack method bodies

    def _next_ts(self) -> str:
        # Slack ts values are the posting time as "seconds.microseconds", unique and increasing per workspace:
        # the real clock (so `oldest`/`latest` in history look-ups mean what they mean on Slack), nudged forward
        # by a microsecond when two posts share one.
        now = max(time.time(), self._last_ts + 1e-6)
        self._last_ts = now
        return f"{now:.6f}"

    def _post_message(self, r: Recorded) -> dict[str, Any]:
        body = r.json
        if not body.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        ts = self._next_ts()
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts, "text": body.get("text", "")}
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        if body.get("blocks"):
            message["blocks"] = _maybe_json(body["blocks"])
        metadata = _maybe_json(body.get("metadata")) if body.get("metadata") else None
        stored = dict(message, metadata=metadata) if isinstance(metadata, dict) else dict(message)
        self.messages[str(body["channel"])].append(stored)
        return {"ok": True, "channel": body["channel"], "ts": ts, "message": message}

    def _update_message(self, r: Recorded) -> dict[str, Any]:
        body = r.json
        channel, ts = str(body.get("channel") or ""), str(body.get("ts") or "")
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                message["text"] = body.get("text", message.get("text", ""))
                if body.get("blocks"):
                    message["blocks"] = _maybe_json(body["blocks"])
                message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
                break
        # messages the fake did not post (e.g. seeded by a test) are accepted too: it cannot tell
        return {"ok": True, "channel": channel, "ts": ts}

    def _views_open(self, r: Recorded) -> dict[str, Any]:
        trigger = str(r.json.get("trigger_id") or "")
        issued = trigger_issued_at(trigger)
        if issued is None:
            return {"ok": False, "error": "invalid_trigger_id"}
        if trigger in self._used_triggers:
            return {"ok": False, "error": "exchanged_trigger_id"}
        if time.time() - issued > self.trigger_ttl:
            return {"ok": False, "error": "expired_trigger_id"}
        problem = view_problem(_view(r))
        if problem:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] {problem}"]},
            }
        self._used_triggers.add(trigger)
        return {"ok": True, "view": {"id": "V_FAKE", "callback_id": _view(r).get("callback_id")}}

    def _window(self, messages: list[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
        oldest, latest = float(body.get("oldest") or 0), body.get("latest")
        inclusive = str(body.get("inclusive", "")).lower() in ("1", "true")
        out = []
        for message in messages:
            ts = float(message["ts"])
            if (ts < oldest or (ts == oldest and not inclusive)) and "oldest" in body:
                continue
            if latest is not None and (ts > float(latest) or (ts == float(latest) and not inclusive)):
                continue
            out.append(message)
        return out

    def _page(self, messages: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
        limit = int(body.get("limit") or 100)
        start = int(base64.b64decode(body["cursor"]).decode().removeprefix("next_ts:")) if body.get("cursor") else 0
        page = messages[start : start + limit]
        more = start + limit < len(messages)
        include_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        shown = []
        for message in page:
            message = dict(message)
            metadata = message.pop("metadata", None)
            if include_metadata and metadata is not None:
                message["metadata"] = metadata
            shown.append(message)
        cursor = base64.b64encode(f"next_ts:{start + limit}".encode()).decode() if more else ""
        return {"ok": True, "messages": shown, "has_more": more, "response_metadata": {"next_cursor": cursor}}

    def _history(self, r: Recorded) -> dict[str, Any]:
        body = r.json
        channel = str(body.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        # the channel's own timeline: thread replies are not in it (they are in conversations.replies)
        top = [m for m in self.messages.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]
        newest_first = sorted(self._window(top, body), key=lambda m: float(m["ts"]), reverse=True)
        return {**self._page(newest_first, body), "pin_count": 0}

    def _replies(self, r: Recorded) -> dict[str, Any]:
        body = r.json
        channel, ts = str(body.get("channel") or ""), str(body.get("ts") or "")
        stored = self.messages.get(channel, [])
        thread = [m for m in stored if m["ts"] == ts or m.get("thread_ts") == ts]
        if not ts or not thread:
            return {"ok": False, "error": "thread_not_found"}
        # the parent first, then the replies, oldest first (Slack's order for this method)
        oldest_first = sorted(self._window(thread, body), key=lambda m: float(m["ts"]))
        return self._page(oldest_first, body)

    def _open_dm(self, r: Recorded) -> dict[str, Any]:
        users = [u for u in str(r.json.get("users") or "").split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        if len(users) > 1:
            return {"ok": False, "error": "not_supported_in_fake", "detail": "group DMs (mpim) are not modelled"}
        [user] = users
        channel = self.dms.setdefault(user, "D" + hashlib.sha256(user.encode()).hexdigest()[:10].upper())
        return {"ok": True, "channel": {"id": channel}}

    def _permalink(self, r: Recorded) -> dict[str, Any]:
        # chat.getPermalink (docs.slack.dev/reference/methods/chat.getPermalink): channel + message_ts in, the
        # message's URL out (https://<domain>.slack.com/archives/<channel>/p<ts without the dot>, and for a reply in
        # a thread ?thread_ts=<parent>&cid=<channel>); channel_not_found / message_not_found otherwise.
        channel, ts = str(r.json.get("channel") or ""), str(r.json.get("message_ts") or "")
        if channel not in self.messages and not channel.startswith("D") and channel not in self.joined:
            return {"ok": False, "error": "channel_not_found"}
        found = next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if found.get("thread_ts") and found["thread_ts"] != ts:
            link += f"?thread_ts={found['thread_ts']}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _user_info(self, r: Recorded) -> dict[str, Any]:
        found = self.users.get(str(r.json.get("user") or ""))
        return {"ok": True, "user": found} if found else {"ok": False, "error": "user_not_found"}

    def _upload_url(self, r: Recorded) -> dict[str, Any]:
        file_id = f"F{next(self._files):08d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _file_info(self, r: Recorded) -> dict[str, Any]:
        found = self.files.get(str(r.json.get("file")))
        return {"ok": True, "file": found[0]} if found else {"ok": False, "error": "file_not_found"}

    def _download(self, path: str, recorded: Recorded) -> web.Response:
        error, _ = self.oauth.check(recorded.headers.get("Authorization", ""))
        if error:
            return web.Response(text="<html><body>Sign in to Slack</body></html>", content_type="text/html")
        found = self.files.get(_file_id(path))
        if found is None:
            return web.Response(status=404, text="file not found")
        return web.Response(body=found[1], content_type=found[0]["mimetype"])

    def _complete_upload(self, r: Recorded) -> dict[str, Any]:
        files = r.json.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}


def _file_id(path: str) -> str:
    # /files-pri/T_TEAM-F00000001/download/name.csv
    return path.removeprefix("/files-pri/").split("/", 1)[0].partition("-")[2]


def teams_card_problem(activity: dict[str, Any]) -> str | None:
    """Why Teams would not show an Adaptive Card of this activity as designed (Teams host config limits:
    maxActions 6, schema up to 1.5), or None. The fake Connector applies it to every post and update."""
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
            continue
        card = attachment.get("content") or {}
        if problem := _actions_problem(card.get("actions") or [], "top-level"):
            return problem
        version = tuple(int(x) for x in str(card.get("version") or "1.0").split(".")[:2] if x.isdigit())
        if version > TEAMS_MAX_CARD_VERSION:
            return f"Adaptive Card version {card.get('version')}, Teams renders up to 1.5"
    return None


def _actions_problem(actions: list[dict[str, Any]], where: str) -> str | None:
    """maxActions holds for every card, the ones an Action.ShowCard opens too."""
    if len(actions) > TEAMS_MAX_ACTIONS:
        titles = ", ".join(repr(a.get("title")) for a in actions[TEAMS_MAX_ACTIONS:])
        return (
            f"{len(actions)} {where} actions, Teams shows at most {TEAMS_MAX_ACTIONS} (maxActions); not shown: {titles}"
        )
    for action in actions:
        if action.get("type") == "Action.ShowCard":
            inner = (action.get("card") or {}).get("actions") or []
            if problem := _actions_problem(inner, f"{action.get('title')!r} show-card"):
                return problem
    return None


def _user(
    user_id: str, display_name: str, real_name: str, tz: str, tz_offset: int, team_id: str = TEAM_ID
) -> dict[str, Any]:
    """A users.info `user` object: names live in `profile` (display_name may be empty: then real_name)."""
    return {
        "id": user_id,
        "team_id": team_id,
        "name": user_id.lower(),  # the legacy username: not a display name
        "deleted": False,
        "real_name": real_name,
        "tz": tz,
        "tz_label": tz,
        "tz_offset": tz_offset,
        "is_bot": False,
        # users.info's role flags (docs.slack.dev/reference/objects/user-object): owners are admins too
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "profile": {
            "display_name": display_name,
            "display_name_normalized": display_name,
            "real_name": real_name,
            "real_name_normalized": real_name,
            "team": team_id,
        },
    }


def _maybe_json(value: Any) -> Any:
    # slack_sdk sends blocks/metadata as JSON objects, or as JSON text inside form bodies
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_INPUT_ELEMENTS = {
    "plain_text_input",
    "number_input",
    "datepicker",
    "timepicker",
    "multi_users_select",
    "users_select",
    "static_select",
}


def view_problem(view: dict[str, Any]) -> str | None:
    """What Slack's views.open refuses in a modal, as `invalid_arguments` with a json-pointer message (the limits of
    api.slack.com/reference/surfaces/views and /block-kit/block-elements); None for a valid one."""
    if len(((view.get("title") or {}).get("text")) or "") > 24:
        return "must be less than 25 characters [json-pointer:/view/title/text]"
    blocks = view.get("blocks") or []
    if len(blocks) > 100:
        return "no more than 100 items allowed [json-pointer:/view/blocks]"
    for n, block in enumerate(blocks):
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        where = f"[json-pointer:/view/blocks/{n}/element]"
        kind = element.get("type")
        if kind not in _INPUT_ELEMENTS:
            return f"failed to match all allowed schemas {where}"
        if kind == "static_select":
            options = element.get("options") or []
            if not 1 <= len(options) <= 100:
                return f"must provide 1 to 100 options {where}"
            for option in options:
                if len(option.get("text", {}).get("text", "")) > 75 or len(str(option.get("value", ""))) > 150:
                    return f"option text over 75 or value over 150 characters {where}"
        if kind == "number_input" and not isinstance(element.get("is_decimal_allowed"), bool):
            return f"missing required field: is_decimal_allowed {where}"
        if kind == "plain_text_input" and int(element.get("max_length") or 0) > 3000:
            return f"max_length must be at most 3000 {where}"
        day = str(element.get("initial_date", "2000-01-01"))
        if kind == "datepicker" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            return f"initial_date must be YYYY-MM-DD {where}"
        hhmm = str(element.get("initial_time", "00:00"))
        if kind == "timepicker" and not re.fullmatch(r"\d{2}:\d{2}", hhmm):
            return f"initial_time must be HH:mm {where}"
    return None


def _view(r: Recorded) -> dict[str, Any]:
    view = r.json.get("view") or {}
    return json.loads(view) if isinstance(view, str) else view


async def _parse(request: web.Request) -> Any:
    """JSON, form or raw bytes, as the client sent it; query parameters merged into dict bodies."""
    raw = await request.read()
    ctype = request.content_type
    body: Any
    if ctype == "application/json":
        body = json.loads(raw or b"{}")
    elif ctype == "application/x-www-form-urlencoded":
        body = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    elif request.path.startswith("/upload/"):
        return raw
    else:
        body = {}
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return raw
    if isinstance(body, dict):
        body = {**dict(request.query), **body}
    return body
