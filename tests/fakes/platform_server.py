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

Files shared with the bot: `fake.add_file("pipeline.csv", data)` returns Slack's file object (id, name, size,
url_private_download on this server); `files.info` answers it, and GET of that URL serves the bytes only with
`Authorization: Bearer xoxb-...` (without it, a sign-in page, as Slack does).

Bot Connector (Teams): activities whose serviceUrl is `fake.url + "/"` make the bot post replies to
`POST /v3/conversations/{id}/activities[/{replyToId}]` (answered with a new activity id) and updates to
`PUT /v3/conversations/{id}/activities/{activityId}`. `fake.jwks` is served as OpenID metadata under
/openid/ so token validation can run against a locally generated key.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer

__all__ = ["FakePlatform", "Recorded", "Override", "BOT_USER_ID", "BOT_ID", "TEAM_ID"]

BOT_USER_ID = "U_BOT"
BOT_ID = "B_BOT"
TEAM_ID = "T_TEAM"


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


class FakePlatform:
    """The fake server. Create with `await FakePlatform.start()`, close with `await fake.close()`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._overrides: dict[tuple[str, str], deque[Override]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._changed = asyncio.Condition()
        self.slack_delay: dict[str, float] = {}  # per Slack method: seconds to wait before answering
        self.server: TestServer | None = None
        self._activity_ids = itertools.count(1)
        self.jwks: dict[str, Any] = {"keys": []}  # served at /openid/keys (Bot Framework token validation)
        self._slack: dict[str, Callable[[Recorded], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": lambda r: {"ok": True, "message_ts": self._next_ts()},
            "chat.update": lambda r: {"ok": True, "channel": r.json.get("channel"), "ts": r.json.get("ts")},
            "views.open": lambda r: {"ok": True, "view": {"id": "V_FAKE", "callback_id": _view(r).get("callback_id")}},
            "reactions.add": lambda r: {"ok": True},
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "files.info": self._file_info,
        }
        self.files: dict[str, tuple[dict[str, Any], bytes]] = {}  # shared files: id -> (file object, bytes)

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

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

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
        recorded = Recorded(request.method, request.path, dict(request.headers), await _parse(request), time.time())
        self.requests.append(recorded)
        async with self._changed:
            self._changed.notify_all()

        queued = self._overrides.get((request.method, request.path))
        if queued:
            canned = queued.popleft()
            if canned.delay:
                await asyncio.sleep(canned.delay)
            return web.json_response(
                canned.json or {"ok": canned.status < 400}, status=canned.status, headers=canned.headers
            )

        if request.path.startswith("/upload/"):
            return web.Response(text="OK - " + str(len(recorded.body or b"")))
        if request.path.startswith("/files-pri/"):
            return self._download(request.path, recorded)
        if request.path.startswith("/api/"):
            return await self._slack_method(request.path.removeprefix("/api/"), recorded)
        if request.path.startswith("/v3/conversations/"):
            return self._connector(request.method, request.path, recorded)
        if request.path == "/openid/.well-known/openidconfiguration":
            return web.json_response({"issuer": "https://api.botframework.com", "jwks_uri": self.url + "/openid/keys"})
        if request.path == "/openid/keys":
            return web.json_response(self.jwks)
        return web.json_response({"error": f"the fake does not serve {request.method} {request.path}"}, status=404)

    async def _slack_method(self, method: str, recorded: Recorded) -> web.Response:
        auth = recorded.headers.get("Authorization", "")
        if not auth.startswith("Bearer xoxb-"):
            # Slack answers 200 with ok=false for a missing or wrong token.
            return web.json_response({"ok": False, "error": "not_authed" if not auth else "invalid_auth"})
        if delay := self.slack_delay.get(method):
            await asyncio.sleep(delay)
        handler = self._slack.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        recorded.reply = handler(recorded)
        return web.json_response(recorded.reply)

    # ---------------------------------------------------------------- Bot Connector (Teams)

    def connector_calls(self, method: str = "POST") -> list[Recorded]:
        """Every Bot Connector call of `method` (POST: new activities, PUT: updates), in arrival order."""
        return [r for r in self.requests if r.method == method and r.path.startswith("/v3/conversations/")]

    def _connector(self, method: str, path: str, recorded: Recorded) -> web.Response:
        # /v3/conversations/{conversationId}/activities[/{activityId}]; the id may hold ';messageid=' (decoded)
        rest = path.removeprefix("/v3/conversations/")
        conversation, _, tail = rest.partition("/activities")
        activity_id = tail.strip("/")
        if not conversation:
            return web.json_response({"error": {"code": "BadArgument", "message": "no conversation id"}}, status=400)
        if method == "POST":
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
        # Slack ts values are "seconds.microseconds"; a counter keeps them unique and ordered.
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _auth_test(self, r: Recorded) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "scenario",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post_message(self, r: Recorded) -> dict[str, Any]:
        body = r.json
        if not body.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        ts = self._next_ts()
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts, "text": body.get("text", "")}
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        return {"ok": True, "channel": body["channel"], "ts": ts, "message": message}

    def _upload_url(self, r: Recorded) -> dict[str, Any]:
        file_id = f"F{next(self._files):08d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _file_info(self, r: Recorded) -> dict[str, Any]:
        found = self.files.get(str(r.json.get("file")))
        return {"ok": True, "file": found[0]} if found else {"ok": False, "error": "file_not_found"}

    def _download(self, path: str, recorded: Recorded) -> web.Response:
        if not recorded.headers.get("Authorization", "").startswith("Bearer xoxb-"):
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
