"""Credentials out of Slack's SDK logs: slack_sdk logs every Web API request and response at DEBUG, with bodies.

Owns one logging filter, installed on the loggers slack_sdk's clients and Bolt's OAuth flow write to (every
client here uses them: Bolt copies the app client's logger into each request's client). It rewrites a record's
text before any handler sees it: Slack tokens (xoxb-, xoxp-, rotating xoxe.xoxb-, refresh xoxe-, app xapp-) and
the values of `access_token`, `refresh_token`, `client_secret` and `code` fields (JSON, dicts, query strings)
become `[redacted]`; aiohttp's access log gets it too, for the code on /slack/oauth_redirect's URL. slack_sdk
already hides the Authorization header; it does not hide the bodies of oauth.v2.access (a code, a refresh
token, the tokens it returns), which are the point of an install. (bot.slack.client keeps slack_sdk's client
loggers at INFO, so those DEBUG lines are not even built; the filter stays for what they log above it.)
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactSlackSecrets", "install", "redact", "LOGGERS"]

# aiohttp.access: the install's redirect URL carries the OAuth code (/slack/oauth_redirect?code=...)
LOGGERS = ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client", "bot.slack.oauth", "aiohttp.access")
_TOKENS = re.compile(r"\b(?:xoxe\.xox[a-z]-|xox[abposer]-|xoxe-|xapp-)[A-Za-z0-9-]+")
_FIELDS = re.compile(
    r"""(["']?\b(?:access_token|refresh_token|client_secret|code)["']?\s*[:=]\s*\[?\s*["']?)[^"',&\s}\]]+"""
)


# what both patterns need to match at all: one scan tells that a line (most lines: every access line) has nothing
_SUSPECT = re.compile(r"xox|xapp|access_token|refresh_token|client_secret|code")


def redact(text: str) -> str:
    if not _SUSPECT.search(text):
        return text
    return _TOKENS.sub("[redacted]", _FIELDS.sub(r"\1[redacted]", text))


class RedactSlackSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        return True


def install() -> None:
    """Put the filter on slack_sdk's and the OAuth flow's loggers (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSlackSecrets) for f in logger.filters):
            logger.addFilter(RedactSlackSecrets())
