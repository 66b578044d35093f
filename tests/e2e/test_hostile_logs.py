"""Log lines cannot be forged: a delivery id or question holding a newline reaches the log as one line, in the
text format (control characters escaped) and with LOG_FORMAT=json (one JSON object per line)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import ConfigError, load_settings
from bot.logs import TEXT_FORMAT, EscapingFormatter, JsonFormatter, configure
from bot.slack.routes import mount
from tests.e2e.slack_helpers import SlackSender, slack_settings
from tests.e2e.test_slack_gate import RecordingAssistant
from tests.fakes import slack_payloads as sp

FORGED = "Ev1\n2026-11-16 12:00:00,000 ERROR bot.worker: job 7 dead after 8 attempts\r\x1b[2K"


@pytest.fixture
async def slack(fake):
    app = web.Application()
    mount(app, settings=slack_settings(fake), assistant=RecordingAssistant())
    client = TestClient(TestServer(app))
    await client.start_server()
    yield SlackSender(client)
    await client.close()


@pytest.fixture(params=["text", "json"])
def captured(request):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if request.param == "json" else EscapingFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield request.param, stream
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_a_delivery_id_with_a_newline_is_logged_on_one_line(slack, captured):
    log_format, stream = captured
    built = sp.reaction(item_ts="1.1", event_id=FORGED)
    assert (await slack.post(built)).status == 200
    assert (await slack.post(built, headers={"X-Slack-Retry-Num": "1"})).status == 200  # logged: already handled
    lines = stream.getvalue().splitlines()
    about = [line for line in lines if "already handled" in line]
    assert len(about) == 1, lines
    assert not [line for line in lines if line.startswith("2026-11-16")], "no forged line"
    assert "\x1b" not in stream.getvalue() and "\r" not in stream.getvalue()
    if log_format == "json":
        entry = json.loads(about[0])
        assert entry["level"] == "INFO" and entry["logger"] == "bot.slack.app"
        assert FORGED in entry["message"]  # the value kept exactly, escaped by JSON
    else:
        assert "Ev1\\n2026-11-16" in about[0]


def test_tracebacks_stay_in_one_record():
    formatter = EscapingFormatter(TEXT_FORMAT)
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("a\nb",), exc_info=True)
        record.exc_info = __import__("sys").exc_info()
    assert "\n" not in formatter.format(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed a\nb" and "ValueError: bad\nvalue" in entry["exc"]


def test_log_format_setting():
    assert load_settings({"LOG_FORMAT": "json"}).log_format == "json"
    assert load_settings({}).log_format == "text"
    with pytest.raises(ConfigError, match="LOG_FORMAT: expected text or json"):
        load_settings({"LOG_FORMAT": "xml"})


def test_configure_installs_the_chosen_formatter():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    # basicConfig(force=True) closes the handlers it replaces: take pytest's out of reach first, or later tests
    # would log into closed streams ("--- Logging error ---")
    root.handlers[:] = []
    try:
        configure("WARNING", "json")
        assert isinstance(root.handlers[0].formatter, JsonFormatter) and root.level == logging.WARNING
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


async def test_the_access_line_names_the_request_and_hides_an_oauth_code(captured):
    """`serve`'s access line (bot.logs.AccessLine): method, path, status, bytes, time and agent on one line; the
    OAuth redirect's code redacted (the filter on aiohttp.access), a forged agent escaped."""
    from bot.logs import AccessLine
    from bot.slack import redact

    log_format, stream = captured
    redact.install()
    app = web.Application()
    app.router.add_get("/slack/oauth_redirect", lambda _: web.Response(text="installed"))
    server = TestServer(app)
    await server.start_server(access_log_class=AccessLine)  # as `serve` runs it
    client = TestClient(server)
    try:
        agent = "curl\t2026\u2028ERROR x"
        url = "/slack/oauth_redirect?code=12.34.secretcode&state=s1"
        response = await client.get(url, headers={"User-Agent": agent})
        assert response.status == 200
    finally:
        await client.close()
    lines = [line for line in stream.getvalue().splitlines() if "oauth_redirect" in line]
    assert len(lines) == 1, stream.getvalue()
    line = json.loads(lines[0])["message"] if log_format == "json" else lines[0]
    assert "secretcode" not in stream.getvalue()
    message = line.split(": ", 1)[-1] if log_format == "text" else line
    request_line = r'^127\.0\.0\.1 "GET /slack/oauth_redirect\?code=\[redacted\]&state=s1 HTTP/1\.1" 200 \d+ [\d.]+s "'
    assert re.search(request_line, message), line
    if log_format == "text":  # a tab and a line separator from the client, shown as escapes
        assert line.endswith('"curl\\t2026\\u2028ERROR x"'), line
    else:
        assert line.endswith('"curl\t2026\u2028ERROR x"') and "\u2028" not in lines[0], line
