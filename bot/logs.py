"""Log setup for `serve` and `worker`: lines that a request cannot forge.

Owns the two formats: text (the default), where every control character in the message or the exception text
(a newline or carriage return that would start a fake log line, a NUL, ANSI escapes) is escaped as \\n, \\r,
\\x00..., so one record is always one line; and JSON (`LOG_FORMAT=json`), one object per line with the time,
level, logger, message and exception, where json.dumps escapes everything a value could hold. Values from
requests (delivery ids, questions, user ids) reach logs as %-arguments; both formats escape them.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

__all__ = ["LOG_FORMATS", "TEXT_FORMAT", "AccessLine", "EscapingFormatter", "JsonFormatter", "configure", "escape"]

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match[0]
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"


def escape(text: str) -> str:
    """`text` with control characters (newlines, NUL, escape codes, line separators) shown as escapes."""
    return _CONTROL.sub(_escaped, text)


class EscapingFormatter(logging.Formatter):
    """The text format, one record per line: the message and any traceback have their control characters
    escaped (a traceback's own line breaks become \\n too: a log shipper then sees one event, not forty)."""

    def format(self, record: logging.LogRecord) -> str:
        return escape(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and exc (the traceback) if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True, default=str)


def configure(level: str, log_format: str = "text") -> None:
    """Root logging for a process: `level` (INFO, DEBUG, ...) in the given format (text or json), to stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else EscapingFormatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


class AccessLine(AbstractAccessLogger):
    """The access line `serve` writes for each request (aiohttp's `access_log_class`): who, the request line,
    status, bytes, seconds taken and user agent, e.g. `10.0.0.7 "POST /slack/events HTTP/1.1" 200 0 0.004s
    "Slackbot 1.0"`. One string, built once: aiohttp's own line (a format walked field by field, a timestamp the
    record already carries, an `extra` dict) cost a third more of an acknowledgement's logging, on every
    request (benchmarks/server_bench.py). Secrets in a query (the OAuth redirect's code) are redacted by the
    filter on the `aiohttp.access` logger (bot.slack.redact), and the formatters escape what a client sent."""

    __slots__ = ()

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        version = request.version
        agent = request.headers.get("User-Agent", "-")
        self.logger.info(
            f'{request.remote or "-"} "{request.method} {request.raw_path} HTTP/{version.major}.{version.minor}" '
            f'{response.status} {response.body_length} {time:.3f}s "{agent}"'
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
