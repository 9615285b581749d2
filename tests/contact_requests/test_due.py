"""When a request to be contacted is due: working days after the day it was made, skipping
weekends and England and Wales bank holidays, in the team's time zone (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.contact_requests.due import due_for, is_working_day, working_days_after

LONDON = ZoneInfo("Europe/London")


def _at(y: int, m: int, d: int, hour: int = 10, minute: int = 14) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=LONDON)


def test_a_tuesday_request_with_a_two_day_target_is_due_on_thursday():
    due = due_for(_at(2026, 12, 1), 2, "Europe/London")
    assert due.on == date(2026, 12, 3) and due.on.strftime("%A") == "Thursday"


@pytest.mark.parametrize("day", [4, 5, 6])  # Friday, Saturday and Sunday
def test_a_request_made_late_in_the_week_counts_from_monday(day):
    assert due_for(_at(2026, 12, day, 18), 3, "Europe/London").on == date(2026, 12, 9)


def test_christmas_and_boxing_day_observed_do_not_count():
    # Thursday 24 December 2026: Friday 25 is Christmas Day, Monday 28 Boxing Day (observed).
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 12, 28))
    assert due_for(_at(2026, 12, 24), 3, "Europe/London").on == date(2026, 12, 31)


def test_good_friday_and_easter_monday_do_not_count():
    # Thursday 25 March 2027, then Good Friday 26 and Easter Monday 29.
    assert working_days_after(date(2027, 3, 25), 2) == date(2027, 3, 31)


def test_a_request_just_after_midnight_local_time_counts_from_that_local_day():
    # 23:30 UTC on Thursday 2 July 2026 is 00:30 on Friday 3 July in London (summer time).
    made = datetime(2026, 7, 2, 23, 30, tzinfo=UTC)
    assert due_for(made, 1, "Europe/London").on == date(2026, 7, 6)


def test_it_passes_at_midnight_at_the_end_of_the_due_day_local_time():
    due = due_for(_at(2026, 7, 1), 1, "Europe/London")
    assert due.on == date(2026, 7, 2)
    assert due.at == datetime(2026, 7, 2, 23, 0, tzinfo=UTC)  # midnight BST


def test_a_target_of_no_days_is_refused():
    with pytest.raises(ValueError):
        working_days_after(date(2026, 12, 1), 0)
