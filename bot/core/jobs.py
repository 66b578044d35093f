"""The job vocabulary features and adapters share: job kinds, keys, retries, schedules and event payloads.

Owns what a piece of durable work looks like before storage sees it: the kinds (`event` for an acknowledged
delivery, `footer` for a card's coalesced footer update, and whatever a feature or adapter registers), the
neutral events as JSON (`event_to_dict` / `event_from_dict`), the retry policy (exponential backoff with full
jitter, capped; a platform's Retry-After wins), the exceptions that tell the worker to try again later, and
cron schedules read in an IANA time zone (croniter over zoneinfo, so 09:00 Europe/Berlin stays 09:00 local
across a daylight-saving change).
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from bot.core.events import (
    ActionInvoked,
    Actor,
    Event,
    FileShared,
    FormSubmitted,
    MessageReceived,
    Place,
    ReactionChanged,
    ThreadReply,
)

__all__ = [
    "EVENT",
    "FOOTER",
    "RetryLater",
    "SendError",
    "backoff",
    "event_to_dict",
    "event_from_dict",
    "next_run",
    "ScheduleError",
]

EVENT = "event"  # an acknowledged delivery: payload {"event": event_to_dict(...)}
FOOTER = "footer"  # re-render a card's footer: payload {"workspace_id", "sent_message_id", "place"}

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0


class RetryLater(Exception):
    """The work could not finish now and should run again: after `after` seconds (a platform's Retry-After)
    or, when None, after the worker's backoff for the attempt. `reason` is a short code for logs (no user text)."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


class SendError(Exception):
    """A platform call that failed, classified by what is known about the message:
    - "not_sent": surely not delivered (429, connection refused, a 5xx the platform documents as safe to retry),
    - "unknown": handed over and no answer (timeout, connection dropped, 5xx): maybe delivered,
    - "refused": refused for good (a missing channel, revoked access): retrying cannot help.
    `code` is the platform's short error code or the exception type, never message text."""

    def __init__(self, outcome: str, code: str, retry_after: float | None = None) -> None:
        super().__init__(f"{outcome}: {code}")
        self.outcome = outcome
        self.code = code
        self.retry_after = retry_after


def backoff(attempt: int, *, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """Seconds to wait before attempt `attempt + 1`: exponential, capped, with full jitter (so a burst of
    failures does not come back as a burst)."""
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


# ------------------------------------------------------------------ events as JSON

_KINDS: dict[str, type[MessageReceived | ThreadReply | ReactionChanged | ActionInvoked | FormSubmitted]] = {
    cls.__name__: cls for cls in (MessageReceived, ThreadReply, ReactionChanged, ActionInvoked, FormSubmitted)
}


def _fields(value: Any) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-safe dict of a neutral event. A FileShared event is not queued (its bytes are not kept in a job:
    an adapter queues where to download the file instead)."""
    if isinstance(event, FileShared):
        raise TypeError("FileShared events are not queued: queue where to download the file instead")
    data = _fields(event)
    # Actor and Place hold only strings and flags: a field copy, where asdict deep-copied each value (this runs
    # for every acknowledged request)
    data["actor"] = _fields(event.actor)
    data["place"] = _fields(event.place)
    if "trigger" in data:
        data["trigger"] = None  # a trigger expires within seconds: forms open in the request path, never here
    return {"type": type(event).__name__, **data}


def event_from_dict(data: dict[str, Any]) -> Event:
    fields = dict(data)
    cls = _KINDS.get(fields.pop("type", ""))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    fields["actor"] = Actor(**fields["actor"])
    fields["place"] = Place(**fields["place"])
    return cls(**fields)


def place_to_dict(place: Place) -> dict[str, Any]:
    return _fields(place)


def place_from_dict(data: dict[str, Any]) -> Place:
    return Place(**data)


# ------------------------------------------------------------------ schedules


class ScheduleError(ValueError):
    """A cron expression or time zone that cannot be used; the message says which and gives an example."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin") from None


def next_run(cron: str, timezone: str, after: datetime) -> datetime:
    """The first time strictly after `after` (UTC) at which `cron` fires in `timezone`, as UTC. Computed on local
    wall-clock time, so a 09:00 schedule stays at 09:00 local when daylight saving time starts or ends."""
    tz = zone(timezone)
    if not croniter.is_valid(cron):
        raise ScheduleError(f"not a schedule: {cron!r} (five fields, e.g. '0 9 * * 1' for Mondays at 09:00)")
    local = after.astimezone(tz)
    fired = croniter(cron, local).get_next(datetime)
    if fired.tzinfo is None:
        fired = fired.replace(tzinfo=tz)
    return fired.astimezone(UTC)
