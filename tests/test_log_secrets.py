"""The session-wide log scan (tests/log_secrets.py, L1) catches each kind of secret and lets ordinary lines pass."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.slack_helpers import BOT_TOKEN
from tests.fakes import jwt_keys
from tests.fakes import slack_payloads as sp
from tests.log_secrets import SecretScanner

LEAKS = {
    "bot token": f"posting with {BOT_TOKEN}",
    "user token": "token=xoxp-1234-5678-abcdef",
    "app-level token": "socket mode with xapp-1-A0-1-abc",
    "refresh token": "refreshed xoxe-1-abcdef",
    "rotated token": "got xoxe.xoxb-1-abcdef",
    "bearer header": "Authorization: Bearer abc.def.ghi",
    "jwt": "token " + jwt_keys.token(audience="x", service_url="https://example.com/"),
    "signing secret": f"secret is {sp.SECRET}",
    "in a traceback": None,
}


@pytest.fixture
def planted(monkeypatch):
    """A logger whose lines reach only this test's scanner (not the session's: these secrets are planted)."""
    scanner = SecretScanner()
    logger = logging.getLogger("tests.l1")
    monkeypatch.setattr(logger, "propagate", False)
    logger.addHandler(scanner)
    yield logger, scanner
    logger.removeHandler(scanner)


@pytest.mark.parametrize("case", LEAKS)
def test_L1_the_log_scan_finds_every_kind_of_secret(planted, case):
    logger, scanner = planted
    if LEAKS[case] is None:
        try:
            raise RuntimeError(f"call failed with {BOT_TOKEN}")
        except RuntimeError:
            logger.exception("slack call failed")  # the message is clean; the exception is not
    else:
        logger.debug("%s", LEAKS[case])
    assert len(scanner.findings) == 1, scanner.findings
    test, name, excerpt = scanner.findings[0]
    assert name == "tests.l1" and excerpt.endswith("…") and len(excerpt) <= 9  # the finding does not repeat it


def test_L1_ordinary_lines_pass(planted):
    logger, scanner = planted
    for line in (
        "slack chat.postMessage failed: channel_not_found (status=200 team=T_TEAM channel=C_SALES)",
        "job 7 dead after 8 attempts: ratelimited (kind event, key slack:Ev0XOX)",
        "teams turn failed: HttpOperationError (activity 1700 type message, tenant 72f988bf, conversation a:1)",
        "the bearer of bad news; eyJ alone; xox without a dash",
    ):
        logger.warning(line)
    assert scanner.findings == []
