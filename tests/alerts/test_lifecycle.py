"""`decide`: what a finding does to a symptom's alerts (rules §4), on plain data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.alerts.lifecycle import (
    ACKNOWLEDGED,
    CLOSED,
    COUNTED_AS,
    MERGE,
    MOVE,
    NONE_YET,
    OPEN,
    OPEN_NEW,
    RAISE,
    RESOLVED,
    SUPERSEDE_AND_OPEN,
    SUPERSEDED,
    UNCHANGED,
    AlertState,
    SymptomAlerts,
    decide,
)
from tracker.rules.engine import REASONS, Finding
from tracker.rules.urgency import Urgency, rank

BASE = date(2026, 11, 1)


def day(n: int) -> date:
    return BASE + timedelta(days=n)


def alert(status=OPEN, urgency="soon", reasons=("new",), start=0, first=None, last=15, **kw):
    first = start if first is None else first
    fields = dict(
        id=7, symptom="cough", status=status, urgency=urgency, reasons=tuple(reasons),
        episode_start=day(start), first_entry=day(first), last_entry=day(last),
        duration_days=last - start, rules_version="v1",
    )  # fmt: skip
    return AlertState(**(fields | kw))


def finding(urgency="soon", reasons=("new",), start=0, first=None, last=15, version="v2"):
    first = start if first is None else first
    return Finding(
        "cough", urgency, tuple(reasons), day(start), day(last), last - start, version, day(first)
    )


def only_open(state: AlertState) -> SymptomAlerts:
    return SymptomAlerts(state, state)


def answered(state: AlertState) -> SymptomAlerts:
    return SymptomAlerts(None, state)


def test_a_first_finding_opens_an_alert_as_the_finding_says():
    action = decide(NONE_YET, finding(urgency="same_day", reasons=("red_flag",)))
    assert action.kind == OPEN_NEW and action.was is None
    assert action.alert == AlertState(
        None, "cough", OPEN, "same_day", ("red_flag",), day(0), day(0), day(15), 15, "v2"
    )


def test_the_same_finding_again_changes_nothing():
    assert decide(only_open(alert()), finding(version="v1")).kind == UNCHANGED


def test_an_episode_that_moved_on_only_moves_the_dates():
    action = decide(only_open(alert()), finding(last=16))
    assert action.kind == MOVE
    assert action.alert == alert()._replace(last_entry=day(16), duration_days=16)
    assert action.alert.rules_version == "v1"  # only a change of what it says takes the new one


def test_an_earlier_onset_moves_the_start_and_keeps_the_episode():
    action = decide(only_open(alert()), finding(start=-10, first=0))
    assert action.kind == MOVE
    assert (action.alert.episode_start, action.alert.first_entry) == (day(-10), day(0))
    assert action.alert.duration_days == 25


def test_a_new_reason_merges_in_table_order_without_a_prompt():
    action = decide(only_open(alert(reasons=("persistent",))), finding(reasons=("worrying",)))
    assert action.kind == MERGE
    assert action.alert.reasons == ("worrying", "persistent")
    assert action.alert.rules_version == "v2"
    assert COUNTED_AS[MERGE] == "updated"


def test_a_rise_in_urgency_raises_the_alert():
    action = decide(only_open(alert()), finding(urgency="same_day", reasons=("red_flag",)))
    assert action.kind == RAISE
    assert (action.alert.urgency, action.alert.reasons) == ("same_day", ("red_flag", "new"))
    assert action.alert.id == action.was.id == 7


def test_urgency_never_falls():
    action = decide(only_open(alert(urgency="same_day")), finding(urgency="soon", last=16))
    assert action.kind == MOVE and action.alert.urgency == "same_day"


def test_a_new_episode_supersedes_the_open_alert_and_opens_another():
    later = finding(start=20, last=25)
    action = decide(only_open(alert(last=12)), later)
    assert action.kind == SUPERSEDE_AND_OPEN
    assert action.was == alert(last=12)
    assert action.alert == decide(NONE_YET, later).alert


@pytest.mark.parametrize("status", [ACKNOWLEDGED, RESOLVED, CLOSED])
def test_an_answered_alert_is_left_alone_for_the_same_episode(status):
    same_episode = finding(reasons=("new", "persistent"), last=19)
    assert decide(answered(alert(status)), same_episode).kind == UNCHANGED


@pytest.mark.parametrize("status", [ACKNOWLEDGED, RESOLVED, CLOSED])
def test_an_answered_alert_gives_way_to_a_rise_or_a_new_episode(status):
    rise = finding(urgency="same_day", reasons=("red_flag",))
    assert decide(answered(alert(status)), rise).kind == OPEN_NEW
    assert decide(answered(alert(status)), finding(start=20, last=25)).kind == OPEN_NEW


def test_after_a_superseded_alert_the_next_finding_opens_one():
    assert decide(answered(alert(SUPERSEDED)), finding()).kind == OPEN_NEW


# ---- properties ------------------------------------------------------------------------------

reason_sets = st.sets(st.sampled_from(REASONS), min_size=1).map(
    lambda chosen: tuple(r for r in REASONS if r in chosen)
)


@st.composite
def states(draw, status) -> AlertState:
    start = draw(st.integers(-5, 5))
    first = start + draw(st.integers(0, 3))
    last = first + draw(st.integers(0, 10))
    return alert(
        status,
        urgency=draw(st.sampled_from(Urgency)),
        reasons=draw(reason_sets),
        start=start,
        first=first,
        last=last,
        # Now and then a stored duration that does not match its dates, as a hand edit might.
        duration_days=last - start + draw(st.sampled_from((0, 0, 0, 1))),
    )


symptom_alerts = st.one_of(
    st.just(NONE_YET),
    states(OPEN).map(only_open),
    st.sampled_from((ACKNOWLEDGED, RESOLVED, CLOSED, SUPERSEDED)).flatmap(states).map(answered),
)
findings = st.builds(
    lambda urgency, reasons, start, first, last, version: finding(
        urgency, reasons, start, start + first, start + first + last, version
    ),
    st.sampled_from(Urgency),
    reason_sets,
    st.integers(-8, 25),
    st.integers(0, 3),
    st.integers(0, 10),
    st.sampled_from(("v1", "v2")),
)


def after(alerts: SymptomAlerts, action) -> SymptomAlerts:
    """The symptom's alerts once the action is carried out."""
    if action.kind == UNCHANGED:
        return alerts
    if action.kind in (OPEN_NEW, SUPERSEDE_AND_OPEN):
        new = action.alert._replace(id=8)
        return SymptomAlerts(new, new)
    return SymptomAlerts(action.alert, action.alert)


@given(symptom_alerts, findings)
def test_deciding_again_on_what_was_decided_changes_nothing(alerts, f):
    action = decide(alerts, f)
    assert decide(after(alerts, action), f).kind == UNCHANGED


@given(symptom_alerts, findings)
def test_an_open_alert_only_ever_gains(alerts, f):
    action = decide(alerts, f)
    if action.kind not in (MOVE, MERGE, RAISE):
        return
    was, now = action.was, action.alert
    assert was is alerts.open and now.id == was.id and now.status == OPEN
    assert rank(now.urgency) == max(rank(was.urgency), rank(f.urgency))
    assert set(now.reasons) == set(was.reasons) | set(f.reasons)
    assert now.reasons == tuple(r for r in REASONS if r in now.reasons)
    assert now.episode_start == min(was.episode_start, f.episode_start)
    assert now.last_entry == max(was.last_entry, f.last_entry)
    assert now.duration_days == (now.last_entry - now.episode_start).days
    assert (action.kind == RAISE) == (now.urgency != was.urgency)
    assert (action.kind == MOVE) == (now.reasons == was.reasons and now.urgency == was.urgency)


@given(symptom_alerts, findings)
def test_a_new_alert_is_opened_only_when_none_is_open_for_the_episode(alerts, f):
    action = decide(alerts, f)
    first = f.first_entry or f.episode_start
    if action.kind == SUPERSEDE_AND_OPEN:
        assert alerts.open is not None and first > alerts.open.last_entry
    if action.kind == OPEN_NEW:
        assert alerts.open is None
    if action.kind in (OPEN_NEW, SUPERSEDE_AND_OPEN):
        assert action.alert == decide(NONE_YET, f).alert
    if alerts.open is None and action.kind == UNCHANGED:
        # Left alone only for an answered alert of this episode, and no rise in urgency.
        previous = alerts.latest
        assert previous.status in (ACKNOWLEDGED, RESOLVED, CLOSED)
        assert first <= previous.last_entry
        assert rank(f.urgency) <= rank(previous.urgency)
