"""Quiet patients (clinical-rules.md §4b): the pure decision, at its boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.rules.quiet import quiet_state

from .diaries import RULES, days_after, days_before, entry, mark, nov

QUIET_DAYS = RULES.thresholds["quiet_days"]
MAX_GAP = RULES.thresholds["max_gap_days"]
HEARD = nov(10)
ENROLLED = date(2026, 1, 5)


def state(today, last_heard=HEARD, watched_from=ENROLLED, **kw):
    kw.setdefault("monitored", True)
    kw.setdefault("rules", RULES)
    return quiet_state(last_heard, watched_from, today, QUIET_DAYS, **kw)


def test_the_packaged_quiet_days_is_the_spec_default():
    assert QUIET_DAYS == 35


def test_quiet_from_quiet_days_after_last_heard_not_a_day_before():
    assert not state(days_after(HEARD, QUIET_DAYS - 1)).quiet
    assert state(days_after(HEARD, QUIET_DAYS)).quiet
    assert state(days_after(HEARD, QUIET_DAYS + 1)).quiet


def test_a_paused_or_ended_patient_is_never_quiet():
    entries = [entry(days_before(HEARD, 3), "coughing_blood", 4)]
    got = state(days_after(HEARD, 400), entries=entries, monitored=False)
    assert not got.quiet and not got.to_queue


def test_counted_from_the_day_monitoring_resumed_if_later():
    resumed = days_after(HEARD, 60)
    assert not state(days_after(resumed, QUIET_DAYS - 1), watched_from=resumed).quiet
    got = state(days_after(resumed, QUIET_DAYS), watched_from=resumed)
    assert got.quiet and got.since == resumed and got.last_heard == HEARD


def test_never_heard_from_is_counted_from_enrolment_and_not_queued():
    enrolled = nov(1)
    assert not state(days_after(enrolled, QUIET_DAYS - 1), None, enrolled).quiet
    got = state(days_after(enrolled, QUIET_DAYS), None, enrolled)
    assert got.quiet and got.last_heard is None and not got.to_queue


def test_quiet_with_nothing_ongoing_is_listed_but_not_queued():
    entries = [entry(days_before(HEARD, 40), "headache", 3)]  # long lapsed, asked about since
    got = state(days_after(HEARD, QUIET_DAYS), entries=entries)
    assert got.quiet and not got.to_queue and got.noted == ()


def test_an_episode_marked_gone_does_not_queue():
    entries = [entry(days_before(HEARD, 5), "headache", 3), entry(HEARD, "headache", 3)]
    marks = [mark(HEARD, "headache")]
    got = state(days_after(HEARD, QUIET_DAYS), entries=entries, marks=marks)
    assert got.quiet and not got.to_queue


def test_an_episode_ongoing_when_last_heard_lapses_unmarked_and_queues_once_quiet():
    entries = [entry(days_before(HEARD, MAX_GAP), "headache", 3)]
    assert not state(days_after(HEARD, QUIET_DAYS - 1), entries=entries).to_queue
    got = state(days_after(HEARD, QUIET_DAYS), entries=entries)
    assert got.to_queue
    (noted,) = got.noted
    assert noted.symptom == "headache" and noted.finding is None
    assert noted.last_entry == days_before(HEARD, MAX_GAP)


def test_an_episode_lapsed_a_day_before_last_heard_does_not_queue():
    entries = [entry(days_before(HEARD, MAX_GAP + 1), "headache", 3)]
    assert not state(days_after(HEARD, QUIET_DAYS), entries=entries).to_queue


def test_a_red_flag_marked_gone_still_queues_with_its_finding():
    day = days_before(HEARD, 20)
    entries = [entry(day, "coughing_blood", None)]
    marks = [mark(days_after(day, 1), "coughing_blood")]
    got = state(days_after(HEARD, QUIET_DAYS), entries=entries, marks=marks)
    assert got.to_queue
    (noted,) = got.noted
    assert noted.finding is not None and "red_flag" in noted.finding.reasons


def test_findings_come_first_then_lapsing_episodes_latest_first():
    entries = [
        entry(days_before(HEARD, 2), "fatigue", 2),
        entry(days_before(HEARD, 6), "nausea", 2),
        *[entry(days_before(HEARD, d), "bone_pain", 3) for d in (20, 14, 8, 1)],
    ]
    got = state(days_after(HEARD, QUIET_DAYS), entries=entries)
    assert [n.symptom for n in got.noted] == ["bone_pain", "fatigue", "nausea"]
    assert got.noted[0].finding is not None and got.noted[0].finding.reasons[:1] == ("new",)


def test_rules_are_needed_only_to_read_a_quiet_patients_diary():
    assert not quiet_state(HEARD, HEARD, HEARD, QUIET_DAYS, True).quiet
    with pytest.raises(ValueError):
        quiet_state(HEARD, HEARD, days_after(HEARD, QUIET_DAYS), QUIET_DAYS, True)
