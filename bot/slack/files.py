"""Downloading a file shared with the bot, after the ack: files.info when the event did not say enough, then
GET url_private_download with the bot token in the Authorization header.

Owns the checks that keep this safe: the name and size are checked (CSV only, at most the importer's 50 MB)
BEFORE anything is downloaded, the download stops at the limit whatever Slack said, and the token is sent only
to Slack's own file host (https://files.slack.com, or the host of the configured Web API URL, which tests point
at a local fake), never in the URL, never after a redirect. Every failure becomes a sentence for the user and a
log line with ids only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.formatting import mark_user, user
from bot.core.imports.flow import MAX_BYTES, csv_file_problem
from bot.slack.render import mrkdwn
from bot.slack.translate import SlackFile

__all__ = ["Download", "download", "trusted_file_url"]

log = logging.getLogger(__name__)

_CHUNK = 256 * 1024
_TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10)
_FAILED = "I could not download {name} from Slack ({why}). Please try again, or upload it once more."


def _failed(name: str, why: str) -> str:
    return mrkdwn(_FAILED.format(name=user(name), why=why))


def _refused(problem: str, name: str) -> str:
    """csv_file_problem's sentence as Slack mrkdwn, the file name (anyone can name a file) shown as typed."""
    return mrkdwn(mark_user(problem, name))


@dataclass(frozen=True, slots=True)
class Download:
    """The file's name, its bytes (None when it was not downloaded) and, if so, the sentence saying why, as
    Slack mrkdwn ready to post (the name in it escaped)."""

    name: str
    data: bytes | None = None
    size: int = 0
    problem: str | None = None


def trusted_file_url(url: str, api_url: str) -> bool:
    """True for an HTTPS URL on a slack.com host, or on the host of the configured Web API (a local fake in
    tests): the bot token is never sent anywhere else."""
    parts, api = urlsplit(url), urlsplit(api_url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com")):
        return True
    return bool(host) and (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


async def _info(client: AsyncWebClient, shared: SlackFile) -> dict[str, Any]:
    info = shared.info
    if info.get("name") and info.get("url_private_download") and info.get("file_access") != "check_file_info":
        return info
    response = await client.files_info(file=shared.file_id)
    return dict(response.get("file") or {})


async def download(client: AsyncWebClient, shared: SlackFile, *, api_url: str, max_bytes: int = MAX_BYTES) -> Download:
    """Fetch the shared file, or say (in `problem`) why it was not imported."""
    try:
        info = await _info(client, shared)
    except (SlackApiError, SlackClientError) as exc:
        code = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("slack files.info failed: %s (file %s)", code, shared.file_id)
        why = "the app needs the files:read scope" if code == "missing_scope" else f"files.info said {code}"
        return Download("that file", problem=mrkdwn(_FAILED.format(name="that file", why=why)))
    name = str(info.get("name") or info.get("title") or shared.file_id)
    size = info.get("size")
    problem = csv_file_problem(name, size if isinstance(size, int) else None, max_bytes)
    if problem:
        return Download(name, problem=_refused(problem, name))
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if not trusted_file_url(url, api_url):
        log.warning("slack file %s: download URL is not on a Slack host; not sending the token", shared.file_id)
        return Download(name, problem=_failed(name, "its address is not a Slack file address"))
    headers = {"Authorization": f"Bearer {client.token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as session,
            session.get(url, headers=headers, allow_redirects=False) as response,
        ):
            if response.status != 200:
                log.warning("slack file %s: download answered HTTP %s", shared.file_id, response.status)
                return Download(name, problem=_failed(name, f"HTTP {response.status}"))
            if response.content_type == "text/html":
                # Slack answers a sign-in page, not the file, when the token may not read files
                return Download(name, problem=_failed(name, "the app needs the files:read scope"))
            chunks, total = [], 0
            async for chunk in response.content.iter_chunked(_CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    return Download(name, problem=_refused(csv_file_problem(name, total, max_bytes) or "", name))
                chunks.append(chunk)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("slack file %s: download failed: %s", shared.file_id, type(exc).__name__)
        return Download(name, problem=_failed(name, "the connection failed"))
    return Download(name, b"".join(chunks), size if isinstance(size, int) else total)
