"""L1 (reliability.md section 5): no secret in any log line, checked across the whole test run.

A pytest plugin (registered in tests/conftest.py) that, for the session, puts the root logger at DEBUG with one
handler scanning every record's message and traceback for what must never be logged: Slack tokens (xoxb-, xoxp-,
xapp-, xoxe), `Bearer ...` credentials, JWTs (three base64url parts, the first two JSON), and the secrets the
tests configure (signing secret, app password). A finding names the test and the logger; at the end of the
session the run fails listing them. Loggers that never see secrets and talk a lot at DEBUG (SQL statements,
fonts, the event loop) stay at WARNING, so the scan costs little.

Tests that plant a secret on purpose (to prove it is not logged) plant it in what the bot receives, never in
a log call: a finding is a leak.
"""

from __future__ import annotations

import logging
import re

import pytest

from tests.e2e.slack_helpers import BOT_TOKEN
from tests.fakes import slack_payloads as sp

__all__ = ["SecretScanner", "PATTERN"]

TEST_SECRETS = (sp.SECRET, "not-a-real-password", BOT_TOKEN.removeprefix("xoxb-"))
PATTERN = re.compile(
    r"xox[abposer]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|xoxe[.-][A-Za-z0-9.-]+"
    r"|Bearer\s+[A-Za-z0-9._~+/=-]{6,}"
    r"|eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"
    r"|" + "|".join(re.escape(secret) for secret in TEST_SECRETS)
)
QUIET = ("sqlalchemy", "aiosqlite", "asyncio", "matplotlib", "PIL", "hypothesis", "filelock", "urllib3")


class SecretScanner(logging.Handler):
    """Records (test, logger, masked excerpt) for every log line that carries a secret."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.test = "(outside a test)"
        self.findings: list[tuple[str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken log call is not this check's business
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + str(record.exc_info[1])
        found = PATTERN.search(text)
        if found:
            secret = found.group(0)
            self.findings.append((self.test, record.name, secret[:8] + "…"))


_scanner = SecretScanner()


def pytest_sessionstart(session: pytest.Session) -> None:
    root = logging.getLogger()
    root.addHandler(_scanner)
    root.setLevel(logging.DEBUG)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def pytest_runtest_logstart(nodeid: str, location: tuple) -> None:
    _scanner.test = nodeid


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _scanner.findings:
        terminalreporter.section("L1: secrets in log lines", sep="=", red=True, bold=True)
        for test, logger, excerpt in _scanner.findings[:50]:
            terminalreporter.write_line(f"{test}: logger {logger!r} logged {excerpt}")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist's controller: gather what each worker process found."""
    found = getattr(node, "workeroutput", {}).get("l1_findings", [])
    _scanner.findings.extend(tuple(finding) for finding in found)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_scanner)
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller reports and fails the run
        workeroutput["l1_findings"] = [list(finding) for finding in _scanner.findings]
        return
    if _scanner.findings and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
