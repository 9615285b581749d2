"""The diary's pure helpers: dates from form boxes, the home page summary, the chart layout."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from tracker.diary.charts import severity_chart
from tracker.diary.forms import FieldError, check_entry_date, parse_date, parse_note, parse_severity
from tracker.diary.summary import tracked_symptoms
from tracker.rules.data import series_key


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"day": "1", "month": "", "year": "2026"}, "must include a month"),
        ({"day": "1", "month": "2", "year": "26"}, "4-digit year"),
        ({"day": "30", "month": "2", "year": "2026"}, "must be a real date"),
        ({"day": "1", "month": "feb", "year": "2026"}, "written in numbers"),
    ],
)
def test_bad_dates_get_a_clear_message(parts, message):
    with pytest.raises(FieldError, match=message):
        parse_date(parts, "The date")


def test_blank_date_is_none_and_good_date_parses():
    assert parse_date({"day": "", "month": "", "year": ""}, "x") is None
    assert parse_date({"day": "09", "month": "11", "year": "2026"}, "x") == date(2026, 11, 9)


def test_entry_date_window_edges():
    today = date(2026, 11, 21)
    assert check_entry_date(date(2026, 10, 22), today, 30) == date(2026, 10, 22)
    with pytest.raises(FieldError):
        check_entry_date(date(2026, 10, 21), today, 30)
    with pytest.raises(FieldError):
        check_entry_date(date(2026, 11, 22), today, 30)


def test_severity_and_note_limits():
    assert parse_severity(" 10 ") == 10
    for bad in ("", "0", "11", "-1", "5.5"):
        with pytest.raises(FieldError):
            parse_severity(bad)
    assert parse_note("  \r\n ") is None
    assert parse_note("x" * 2000) == "x" * 2000
    with pytest.raises(FieldError):
        parse_note("x" * 2001)


def entry(id, kind, code, day, severity=None, name=None):
    return SimpleNamespace(
        id=id,
        kind=kind,
        symptom_code=code,
        name=name,
        series=series_key(code, name),
        entry_date=day,
        severity=severity,
    )


def test_tracked_symptoms_drops_resolved_old_and_future_ones():
    today = date(2026, 11, 21)
    rows = tracked_symptoms(
        [
            entry(1, "symptom", "cough", date(2026, 11, 1), 3),
            entry(2, "symptom", "cough", date(2026, 11, 20), 5),
            entry(3, "symptom", "rash", date(2026, 11, 10), 2),
            entry(4, "resolved", "rash", date(2026, 11, 10)),  # same day counts as after
            entry(5, "symptom", "headache", date(2026, 10, 1), 4),  # too old
            entry(6, "symptom", "fatigue", date(2026, 11, 25), 4),  # future
        ],
        today,
    )
    assert [(r.series, r.last.severity, r.entry_days) for r in rows] == [("cough", 5, 2)]


def test_each_named_something_else_is_tracked_on_its_own():
    today = date(2026, 11, 21)
    rows = tracked_symptoms(
        [
            entry(1, "symptom", "other", date(2026, 11, 18), 3, "Rash"),
            entry(2, "symptom", "other", date(2026, 11, 19), 4, "Tingling"),
            entry(3, "symptom", "other", date(2026, 11, 20), None, " rash "),
            entry(4, "resolved", "other", date(2026, 11, 20), name="tingling"),
        ],
        today,
    )
    assert [(r.series, r.last.id, r.entry_days) for r in rows] == [("other:rash", 3, 2)]


def test_chart_lays_points_on_a_one_to_ten_scale():
    chart = severity_chart([(date(2026, 11, 11), 10), (date(2026, 11, 1), 1)])
    (x1, y1, d1, s1), (x2, y2, d2, s2) = chart.points
    assert (d1, s1, d2, s2) == (date(2026, 11, 1), 1, date(2026, 11, 11), 10)
    assert x1 < x2 and y1 > y2  # later is right, worse is higher
    assert (chart.lowest, chart.highest, chart.latest) == (1, 10, (date(2026, 11, 11), 10))


def test_chart_of_one_point_and_of_none():
    one = severity_chart([(date(2026, 11, 1), 5)])
    assert len(one.points) == 1 and one.first == one.last
    assert severity_chart([]).points == []


def test_chart_shows_a_day_noted_twice_as_its_highest_and_the_last_noted_as_most_recent():
    day1, day2 = date(2026, 11, 1), date(2026, 11, 3)
    chart = severity_chart([(day1, 3), (day2, 8), (day2, 4)])  # in the order noted
    assert [(d, s) for _, _, d, s in chart.points] == [(day1, 3), (day2, 8)]
    assert (chart.latest, chart.noted, chart.highest) == ((day2, 4), 3, 8)
