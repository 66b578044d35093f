"""The nudge schedule parser on the phrasings a sales manager types (good and bad), and DST-safe next runs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.jobs import next_run
from bot.core.nudges.cards import change_text, points
from bot.core.nudges.schedule import ScheduleProblem, local_label, on_week, parse_schedule

GOOD = [
    # (typed, cron, label, every_other, time zone)
    ("every Monday 09:00", "0 9 * * 1", "every Monday at 09:00", False, None),
    ("every Monday 09:00 Europe/Berlin", "0 9 * * 1", "every Monday at 09:00", False, "Europe/Berlin"),
    ("Every monday at 9am", "0 9 * * 1", "every Monday at 09:00", False, None),
    ("mondays 9", "0 9 * * 1", "every Monday at 09:00", False, None),
    ("every Mon 9:00", "0 9 * * 1", "every Monday at 09:00", False, None),
    ("every Monday", "0 9 * * 1", "every Monday at 09:00", False, None),
    ("every Monday at 9 am", "0 9 * * 1", "every Monday at 09:00", False, None),
    ("every weekday at 8:30", "30 8 * * 1-5", "every weekday at 08:30", False, None),
    ("weekdays 08:30", "30 8 * * 1-5", "every weekday at 08:30", False, None),
    ("every workday 7.45", "45 7 * * 1-5", "every weekday at 07:45", False, None),
    ("every day at 7", "0 7 * * *", "every day at 07:00", False, None),
    ("daily 7pm", "0 19 * * *", "every day at 19:00", False, None),
    ("every other Friday 16:00", "0 16 * * 5", "every other Friday at 16:00", True, None),
    ("every second Friday at 4 pm", "0 16 * * 5", "every other Friday at 16:00", True, None),
    ("biweekly on Friday 16h", "0 16 * * 5", "every other Friday at 16:00", True, None),
    ("fortnightly fri 16:00 Europe/London", "0 16 * * 5", "every other Friday at 16:00", True, "Europe/London"),
    ("on the 1st of every month", "0 9 1 * *", "on the 1st of every month at 09:00", False, None),
    ("monthly on the 15th at 10:00", "0 10 15 * *", "on the 15th of every month at 10:00", False, None),
    ("on the 2nd of each month at 8am UTC", "0 8 2 * *", "on the 2nd of every month at 08:00", False, "UTC"),
    ("on the last day of every month", "0 9 L * *", "on the last day of every month at 09:00", False, None),
    ("every Monday and Thursday 8:30", "30 8 * * 1,4", "every Monday and Thursday at 08:30", False, None),
    ("every Thu, Mon at 8:30", "30 8 * * 1,4", "every Monday and Thursday at 08:30", False, None),
    ("every Tue 12:30 America/New_York", "30 12 * * 2", "every Tuesday at 12:30", False, "America/New_York"),
    ("every friday noon", "0 12 * * 5", "every Friday at 12:00", False, None),
    ("every Sunday 23:59", "59 23 * * 0", "every Sunday at 23:59", False, None),
    ("every Wednesday at 12am", "0 0 * * 3", "every Wednesday at 00:00", False, None),
]

BAD = [
    ("every Funday", "funday"),
    ("every Monday 25:00", "25:00"),
    ("every Monday 9:75", "9:75"),
    ("every Monday 13pm", "13pm"),
    ("every Monday 09:00 Mars/Olympus", "Mars/Olympus"),
    ("every Monday 09:00 Europe/Berln", "Europe/Berln"),
    ("on the 32nd of every month", "32nd"),
    ("on the 0th of every month", "0th"),
    ("every 1st", "needs a month"),
    ("sometimes", "sometimes"),
    ("", "Say when"),
    ("every Monday 09:00 10:00", "two times"),
    ("every other weekday", "every other"),
    ("every other month on the 1st", "every other month"),
    ("every month", "which day of the month"),
]


@pytest.mark.parametrize("typed, cron, label, other, tz", GOOD, ids=[g[0] or "empty" for g in GOOD])
def test_good_phrasings(typed, cron, label, other, tz):
    spec = parse_schedule(typed)
    assert (spec.cron, spec.label, spec.every_other, spec.timezone) == (cron, label, other, tz)
    next_run(spec.cron, spec.timezone or "UTC", datetime(2026, 11, 22, tzinfo=UTC))  # croniter takes it


@pytest.mark.parametrize("typed, said", BAD, ids=[b[0] or "empty" for b in BAD])
def test_bad_phrasings_say_what_and_give_an_example(typed, said):
    with pytest.raises(ScheduleProblem) as problem:
        parse_schedule(typed)
    message = str(problem.value)
    assert said in message and "every Monday 09:00 Europe/Berlin" in message


def test_quiet_is_read_as_the_option():
    assert parse_schedule("every Monday 09:00 quiet").quiet and not parse_schedule("every Monday 09:00").quiet


@pytest.mark.parametrize(
    "after, expected",
    [
        # spring forward (Mar 28 2027): 09:00 CET = 08:00 UTC before, 09:00 CEST = 07:00 UTC after
        (datetime(2027, 3, 22, 9, tzinfo=UTC), datetime(2027, 3, 29, 7, tzinfo=UTC)),
        (datetime(2027, 3, 15, 9, tzinfo=UTC), datetime(2027, 3, 22, 8, tzinfo=UTC)),
        # fall back (Oct 25 2026)
        (datetime(2026, 10, 19, 8, tzinfo=UTC), datetime(2026, 10, 26, 8, tzinfo=UTC)),
        (datetime(2026, 10, 12, 8, tzinfo=UTC), datetime(2026, 10, 19, 7, tzinfo=UTC)),
    ],
)
def test_a_berlin_0900_schedule_stays_at_0900_local_across_dst(after, expected):
    due = next_run("0 9 * * 1", "Europe/Berlin", after)
    assert due == expected and local_label(due, "Europe/Berlin").endswith("09:00 Europe/Berlin")


def test_every_other_week_counts_from_the_anchor_week():
    anchor = date(2026, 11, 27)
    assert [on_week(date(2026, 11, 27) + (date(2026, 12, 4) - date(2026, 11, 27)) * i, anchor) for i in range(4)] == [
        True,
        False,
        True,
        False,
    ]


def test_the_change_line_reads_as_a_person_says_it():
    assert change_text(0.20, 0.14, "since Monday") == "20% → 14%, −6 points since Monday."
    assert change_text(0.14, 0.15, "since Monday") == "14% → 15%, +1 point since Monday."
    assert change_text(None, 0.3, "") == "First check of this period."
    assert points(0.5, 0.504) == "+0.4 points"
