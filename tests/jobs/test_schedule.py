"""When the daily detection runs: once per local day, clock changes included; late runs once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.memory import MemoryJobStore

from jobs import detect
from jobs.scheduler import (
    ASSESS_LOST,
    DETECT,
    DETECT_CATCH_UP,
    DISPATCH,
    PRUNE,
    QUIET,
    REMIND,
    TEAM_NOTICES,
    build_scheduler,
    detect_trigger,
)
from jobs.settings import due_day, settings_for
from tests.detection.stored import add_patients, store, symptom
from tracker.config import (
    DEFAULT_DETECT_AT,
    ConfigError,
    JobSettings,
    check_once_a_day,
    from_environment,
    parse_time,
)
from tracker.detection.runs import RAN

LONDON = ZoneInfo("Europe/London")
SETTINGS = JobSettings(detect_at=parse_time(DEFAULT_DETECT_AT), timezone=LONDON)


def fire_times(trigger, start: datetime, end: datetime) -> list[datetime]:
    """Every time the trigger fires from `start` until `end`, as APScheduler computes them."""
    times, previous, now = [], None, start
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt > end:
            return times
        times.append(nxt)
        previous, now = nxt, nxt + timedelta(microseconds=1)


@pytest.mark.parametrize(
    "first, last",
    [
        (date(2026, 3, 26), date(2026, 4, 1)),  # clocks go forward on Sunday 29 March
        (date(2026, 10, 22), date(2026, 10, 28)),  # and back on Sunday 25 October
    ],
)
def test_detection_fires_once_every_local_day_across_the_clock_changes(first, last):
    trigger = detect_trigger(SETTINGS)
    start = datetime.combine(first, time(0), LONDON)
    end = datetime.combine(last, time(23, 59), LONDON)

    times = fire_times(trigger, start, end)

    per_day = Counter(t.astimezone(LONDON).date() for t in times)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert per_day == Counter(days)  # exactly one run on each day, the change day included
    assert {t.astimezone(LONDON).time() for t in times} == {time(4, 30)}
    offsets = {t.astimezone(LONDON).utcoffset() for t in times}
    assert offsets == {timedelta(0), timedelta(hours=1)}  # both sides of the change


def test_a_time_the_clock_skips_or_repeats_is_refused():
    with pytest.raises(ConfigError, match="skipped or repeated"):
        check_once_a_day(time(1, 30), LONDON, year=2026)  # 01:00-02:00 in London
    with pytest.raises(ConfigError, match="skipped or repeated"):
        check_once_a_day(time(2, 30), ZoneInfo("Europe/Paris"), year=2026)
    check_once_a_day(time(2, 30), LONDON, year=2026)  # exists once every day in London
    check_once_a_day(time(4, 30), ZoneInfo("Europe/Paris"), year=2026)


def test_job_settings_come_from_the_environment_and_are_checked(tmp_path):
    env = {"TRACKER_INSTANCE_PATH": str(tmp_path)}
    assert from_environment(env).jobs == SETTINGS
    paris = from_environment(
        {**env, "TRACKER_DETECT_AT": "05:15", "TRACKER_TIMEZONE": "Europe/Paris"}
    )
    assert (paris.jobs.detect_at, paris.jobs.timezone) == (time(5, 15), ZoneInfo("Europe/Paris"))
    assert paris.timezone == ZoneInfo("Europe/Paris")
    with pytest.raises(ConfigError, match="TRACKER_DETECT_AT '6 am' is not a time"):
        from_environment({**env, "TRACKER_DETECT_AT": "6 am"})
    with pytest.raises(ConfigError, match="TRACKER_TIMEZONE 'Mars/Olympus' is not a known"):
        from_environment({**env, "TRACKER_TIMEZONE": "Mars/Olympus"})


def test_the_app_holds_the_job_settings_it_was_built_with(app):
    assert settings_for(app) == SETTINGS


def london(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def test_the_due_run_is_the_latest_scheduled_one_within_the_grace_time():
    assert due_day(london(20, 4, 29), SETTINGS) is None  # today's not yet, yesterday's long past
    assert due_day(london(20, 0, 10), SETTINGS) is None
    assert due_day(london(20, 4, 30), SETTINGS) == date(2026, 11, 20)
    assert due_day(london(20, 16, 30), SETTINGS) == date(2026, 11, 20)  # 12 hours late
    assert due_day(london(20, 16, 31), SETTINGS) is None  # too late: wait for tomorrow's
    # On the day the clocks go forward, 12 hours after 04:30 BST is 16:30 BST.
    assert due_day(london(29, 16, 30, month=3), SETTINGS) == date(2026, 3, 29)
    assert due_day(london(29, 16, 31, month=3), SETTINGS) is None
    assert due_day(datetime(2026, 11, 20, 4, 30, tzinfo=UTC), SETTINGS) == date(2026, 11, 20)


def test_the_scheduler_coalesces_missed_runs_with_a_long_grace_and_never_overlaps(app, clock):
    clock.set(london(20, 9, 15))
    scheduler = build_scheduler(app, stop=_never())
    scheduler.start(paused=True)  # adds the jobs for real, runs none
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {
            DETECT,
            DETECT_CATCH_UP,
            ASSESS_LOST,
            PRUNE,
            DISPATCH,
            REMIND,
            TEAM_NOTICES,
            QUIET,
        }
        for job in jobs.values():
            assert job.coalesce is True
            assert job.max_instances == 1
        for job_id in (DETECT, DETECT_CATCH_UP, PRUNE, QUIET):
            assert (
                jobs[job_id].misfire_grace_time
                == SETTINGS.misfire_grace.total_seconds()
                == 12 * 3600
            )
        # Messages: every minute, and a pass missed by minutes is just the next one.
        assert jobs[DISPATCH].trigger.interval == timedelta(minutes=1)
        assert jobs[REMIND].trigger.interval == timedelta(minutes=15)
        # Quiet patients: a few looks a day (quiet is counted in days; the job is idempotent).
        assert jobs[QUIET].trigger.interval == timedelta(hours=3)
        assert jobs[DISPATCH].misfire_grace_time == jobs[REMIND].misfire_grace_time == 120
        assert str(jobs[DETECT].trigger) == "cron[hour='4', minute='30']"
        assert jobs[DETECT].trigger.timezone == LONDON
        # The catch-up runs as the scheduler starts, so a run missed while it was down is run.
        assert jobs[DETECT_CATCH_UP].next_run_time == london(20, 9, 15)
        assert isinstance(scheduler._jobstores["default"], MemoryJobStore)
    finally:
        scheduler.shutdown(wait=False)


def _never():
    import threading

    return threading.Event()


def test_the_job_runs_the_due_detection_once_and_nothing_when_none_is_due(app, session):
    [pid] = add_patients(session, 1)
    # A cough of 21 days (its new_days and persistent_days in rules version 2): one alert.
    store(
        session,
        pid,
        [symptom(date(2026, 11, 20) - timedelta(days=n), "cough") for n in (23, 16, 9, 2)],
    )
    at_six = london(20, 6)

    first = detect.run_if_due(app, now=at_six)
    again = detect.run_if_due(app, now=at_six + timedelta(minutes=15))
    too_late = detect.run_if_due(app, now=london(20, 17))

    assert (first.status, first.run_key, first.summary.opened) == (RAN, "2026-11-20", 1)
    assert again is None  # done already: the catch-up looks and leaves it
    assert too_late is None
