"""The job vocabulary: schedules read in a time zone across daylight-saving changes, backoff, events as JSON."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.events import ActionInvoked, Actor, FileShared, MessageReceived, Place, ReactionChanged
from bot.core.jobs import ScheduleError, backoff, event_from_dict, event_to_dict, next_run


def test_a_0900_berlin_schedule_stays_at_0900_local_across_both_daylight_saving_changes():
    # Berlin is UTC+2 in summer, UTC+1 in winter: 09:00 local is 07:00 or 08:00 UTC
    before_autumn = next_run("0 9 * * 1", "Europe/Berlin", datetime(2026, 10, 19, 8, 0, tzinfo=UTC))
    assert before_autumn == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # the Monday after the switch (Oct 25)
    summer = next_run("0 9 * * 1", "Europe/Berlin", datetime(2026, 10, 12, 0, 0, tzinfo=UTC))
    assert summer == datetime(2026, 10, 12, 7, 0, tzinfo=UTC)  # Monday Oct 12, still summer time
    spring = next_run("0 9 * * 1", "Europe/Berlin", datetime(2027, 3, 23, 0, 0, tzinfo=UTC))
    assert spring == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # after the switch on Mar 28: UTC+2 again


def test_next_run_is_strictly_after_the_instant_given():
    due = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 Berlin
    assert next_run("0 9 * * 1", "Europe/Berlin", due) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_weekdays_and_the_first_of_the_month():
    assert next_run("30 8 * * 1-5", "UTC", datetime(2026, 11, 28, 12, 0, tzinfo=UTC)) == datetime(
        2026, 11, 30, 8, 30, tzinfo=UTC
    )
    assert next_run("0 9 1 * *", "America/New_York", datetime(2026, 11, 2, tzinfo=UTC)) == datetime(
        2026, 12, 1, 14, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("cron", "tz", "says"),
    [
        ("0 9 * * Funday", "UTC", "not a schedule"),
        ("0 25 * * 1", "UTC", "not a schedule"),
        ("0 9 * * 1", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_a_bad_schedule_or_time_zone_is_refused_with_an_example(cron, tz, says):
    with pytest.raises(ScheduleError) as error:
        next_run(cron, tz, datetime(2026, 11, 30, tzinfo=UTC))
    assert says in str(error.value) and ("e.g." in str(error.value) or "such as" in str(error.value))


def test_backoff_grows_and_is_capped_with_jitter():
    for attempt in range(1, 12):
        delays = {round(backoff(attempt), 6) for _ in range(20)}
        ceiling = min(300.0, 2 ** (attempt - 1))
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jitter: a burst of failures does not come back as a burst
    assert backoff(50) <= 300.0


def test_events_survive_the_job_payload_but_a_form_trigger_does_not():
    place = Place("slack", "T1", "C1", "1.1", False)
    actor = Actor("slack", "U1", "Dana")
    events = [
        MessageReceived(actor, place, "what if we add 2 reps", via="command", delivery_id="cmd:1"),
        ReactionChanged(actor, place, "1.2", "+1", True, delivery_id="Ev1"),
    ]
    for event in events:
        assert event_from_dict(event_to_dict(event)) == event
    pressed = ActionInvoked(actor, place, "card.drivers", {"scenario_id": 3}, "1.2", trigger="trig", delivery_id="ia")
    assert event_from_dict(event_to_dict(pressed)).trigger is None  # expired long before any worker runs
    with pytest.raises(TypeError):
        event_to_dict(FileShared(actor, place, "x.csv", b"data", 4))
