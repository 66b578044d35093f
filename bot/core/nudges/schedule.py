"""Reading a nudge schedule: "every Monday 09:00 Europe/Berlin" in, a cron expression and its words out.

Owns the phrasings a sales manager types after `/scenario nudge`: weekdays ("every Monday 09:00", "mondays at
9am", "every Monday and Thursday 8:30"), "every weekday at 8:30", "every day at 7", "every other Friday 16:00"
(also "every second Friday", "biweekly on Friday"), monthly ("on the 1st of every month", "monthly on the 15th
at 10:00", "on the last day of every month"), an optional IANA time zone anywhere ("Europe/Berlin", "UTC") and
the option `quiet`. Without a time the nudge runs at 09:00. Anything else is refused with a message that names
the word it could not read and an example that works (`ScheduleProblem`); nothing is stored then.

"Every other Friday" is not a cron expression: the schedule's cron fires every Friday and `every_other` is set;
the nudge job (bot.core.nudges.job) posts only in the weeks an even number of weeks after the anchor (the first
run after the schedule was set) and skips the others. Pure functions: no clock, no storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.jobs import ScheduleError, zone

__all__ = ["NudgeSchedule", "ScheduleProblem", "parse_schedule", "EXAMPLE", "on_week", "local_label"]

EXAMPLE = "“/scenario nudge every Monday 09:00 Europe/Berlin”"
MORE_EXAMPLES = "“every weekday at 8:30”, “every other Friday 16:00”, “on the 1st of every month”"
DEFAULT_TIME = (9, 0)

_DAYS = {
    "monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "tues": 2, "wednesday": 3, "wed": 3, "thursday": 4, "thu": 4,
    "thur": 4, "thurs": 4, "friday": 5, "fri": 5, "saturday": 6, "sat": 6, "sunday": 0, "sun": 0,
}  # fmt: skip
_DAY_NAMES = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 0: "Sunday"}
_FILLER = {
    "every",
    "each",
    "on",
    "at",
    "the",
    "of",
    "and",
    "in",
    "a",
    "week",
    "weeks",
    "weekly",
    "please",
    "nudge",
    "@",
}
_OTHER = {"other", "second", "alternate", "biweekly", "bi-weekly", "fortnightly", "fortnight"}
_MONTH = {"month", "months", "monthly"}
_DAILY = {"day", "days", "daily"}
_WEEKDAYS = {"weekday", "weekdays", "workday", "workdays", "business"}
_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(am|pm|h)?$")


class ScheduleProblem(ValueError):
    """A schedule that cannot be read: the message says what and gives an example that works."""


@dataclass(frozen=True)
class NudgeSchedule:
    """A parsed schedule: `cron` (five fields, read in the schedule's time zone), the words for it (`label`),
    `every_other` (post every second week of the cron's weeks), the explicit `timezone` if one was typed, and
    `quiet` (True when the option was given)."""

    cron: str
    label: str
    every_other: bool = False
    timezone: str | None = None
    quiet: bool = False


def _problem(what: str) -> ScheduleProblem:
    return ScheduleProblem(f"{what}. Try {EXAMPLE}, or {MORE_EXAMPLES}.")


def _time(words: list[str], bare_ok: bool) -> tuple[tuple[int, int] | None, list[str]]:
    """The time of day among `words` (and the words left): "09:00", "9am", "4:30 pm", "16h", "noon", "at 9", and
    a bare "9" when `bare_ok` (a weekly schedule: a bare number in a monthly one is the day)."""
    found: tuple[int, int] | None = None
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ("noon", "midday"):
            found = (12, 0)
            i += 1
            continue
        m = _TIME.match(word)
        bare = m is not None and m.group(2) is None and m.group(3) is None
        after_at = bare_ok or (i > 0 and words[i - 1] == "at")
        if m and (not bare or nxt in ("am", "pm") or after_at):
            if found is not None:
                raise _problem(f"I found two times of day ({found[0]:02d}:{found[1]:02d} and “{word}”)")
            hour, minute = int(m.group(1)), int(m.group(2) or 0)
            suffix = m.group(3) or (nxt if nxt in ("am", "pm") else None)
            if suffix in ("am", "pm"):
                if not 1 <= hour <= 12:
                    raise _problem(f"“{word}{' ' + nxt if nxt in ('am', 'pm') else ''}” is not a time of day")
                hour = hour % 12 + (12 if suffix == "pm" else 0)
                if nxt in ("am", "pm") and m.group(3) is None:
                    i += 1
            if hour > 23 or minute > 59:
                raise _problem(f"“{word}” is not a time of day (hours 0 to 23, minutes 0 to 59)")
            found = (hour, minute)
            i += 1
            continue
        rest.append(word)
        i += 1
    return found, rest


def _timezone(tokens: list[str]) -> tuple[str | None, list[str]]:
    """An IANA zone among the typed tokens (case kept: zone names are case-sensitive)."""
    found, rest = None, []
    for token in tokens:
        if "/" in token or token.upper() in ("UTC", "GMT"):
            name = "UTC" if token.upper() in ("UTC", "GMT") else token
            try:
                zone(name)
            except ScheduleError:
                raise _problem(f"“{token}” is not a time zone I know: use an IANA name such as Europe/Berlin") from None
            if found is not None and found != name:
                raise _problem(f"I found two time zones ({found} and {name})")
            found = name
        else:
            rest.append(token)
    return found, rest


def _ordinal_day(words: list[str]) -> tuple[int | str | None, list[str]]:
    rest: list[str] = []
    day: int | str | None = None
    for i, word in enumerate(words):
        m = _ORDINAL.match(word)
        if word in ("first",) and i + 1 < len(words) and words[i + 1] in ("day",):
            day = 1
            continue
        if word == "last":
            day = "L"
            continue
        if m and not (day is not None):
            value = int(m.group(1))
            if not 1 <= value <= 31:
                raise _problem(f"“{word}” is not a day of the month (1st to 31st)")
            day = value
            continue
        rest.append(word)
    return day, rest


def _suffix(n: int) -> str:
    return "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def parse_schedule(text: str) -> NudgeSchedule:
    """Read a schedule phrase (the words after `nudge`). Raises ScheduleProblem with an example when it cannot."""
    tokens = [t for t in re.split(r"[\s,;]+", text.strip()) if t]
    if not tokens:
        raise _problem("Say when to check")
    tz, tokens = _timezone(tokens)
    words = [t.lower().strip(".!?") for t in tokens]
    words = [w for w in words if w]
    quiet = "quiet" in words
    words = [w for w in words if w not in ("quiet", "quietly")]
    monthly = any(w in _MONTH for w in words)
    at, words = _time(words, bare_ok=not monthly)
    other = any(w in _OTHER for w in words)
    hour, minute = at or DEFAULT_TIME
    time_label = f"{hour:02d}:{minute:02d}"
    if monthly:
        if other:
            raise _problem("“every other month” is not supported: nudges run weekly, on weekdays or monthly")
        day, words = _ordinal_day([w for w in words if w not in _MONTH])
        unread = [w for w in words if w not in _FILLER and w not in _DAILY]
        if unread:
            raise _problem(f"I could not read “{unread[0]}” in a monthly schedule")
        if day is None:
            raise _problem("Say which day of the month, e.g. “on the 1st of every month”")
        if day == "L":
            label = f"on the last day of every month at {time_label}"
            return NudgeSchedule(f"{minute} {hour} L * *", label, timezone=tz, quiet=quiet)
        label = f"on the {day}{_suffix(int(day))} of every month at {time_label}"
        if int(day) > 28:
            label += " (months without that day are skipped)"
        return NudgeSchedule(f"{minute} {hour} {day} * *", label, timezone=tz, quiet=quiet)
    days: list[int] = []
    every_day = weekdays = False
    for word in words:
        plural = word[:-1] if word.endswith("s") and word[:-1] in _DAYS else word
        if plural in _DAYS:
            if _DAYS[plural] not in days:
                days.append(_DAYS[plural])
        elif word in _WEEKDAYS:
            weekdays = True
        elif word in _DAILY:
            every_day = True
        elif word in _FILLER or word in _OTHER:
            continue
        elif _ORDINAL.match(word):
            raise _problem(f"“{word}” needs a month: “on the {word} of every month”")
        else:
            raise _problem(f"I could not read “{word}” as a day: use Monday to Sunday, “weekday” or “day”")
    if weekdays and not days:
        dow, label = "1-5", "every weekday"
    elif every_day and not days and not weekdays:
        dow, label = "*", "every day"
    elif days and not weekdays:
        ordered = sorted(days, key=lambda d: (d - 1) % 7)  # Monday first
        dow = ",".join(str(d) for d in ordered)
        label = "every " + ("other " if other else "") + _join([_DAY_NAMES[d] for d in ordered])
    else:
        raise _problem("Say which days to check")
    if other and (dow in ("1-5", "*")):
        raise _problem("“every other” goes with a weekday, e.g. “every other Friday 16:00”")
    return NudgeSchedule(f"{minute} {hour} * * {dow}", f"{label} at {time_label}", other, tz, quiet)


def on_week(day: date, anchor: date) -> bool:
    """For an every-other-week schedule: whether `day` (local) falls in a week it posts (0, 2, 4 … weeks after
    the week of `anchor`, the first run after it was set)."""
    monday = day - timedelta(days=day.weekday())
    anchor_monday = anchor - timedelta(days=anchor.weekday())
    return ((monday - anchor_monday).days // 7) % 2 == 0


def local_label(moment: datetime, timezone: str) -> str:
    """'Mon Nov 30, 09:00 Europe/Berlin': a UTC instant as the people of the channel read it."""
    local = moment.astimezone(zone(timezone))
    return f"{local:%a} {local:%b} {local.day}, {local:%H:%M} {timezone}"
