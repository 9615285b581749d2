"""The pass skips a finding, or writes it in bulk, only as `apply_findings` would have."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from tests.detection.stored import add_patients, alert_state, wipe
from tracker.alerts.models import (
    ACKNOWLEDGED,
    CLOSED,
    OPEN,
    RESOLVED,
    SUPERSEDED,
    Alert,
    AlertEvent,
    Prompt,
)
from tracker.alerts.services import apply_findings
from tracker.detection.run import _move_dates, _open_alerts, _write_new_reasons
from tracker.detection.unchanged import (
    OPEN_ALERT,
    UNCHANGED,
    MovedDates,
    NewReasons,
    SymptomAlerts,
    read_alerts,
    sort_out,
)
from tracker.rules.engine import REASONS, Finding

BASE = date(2026, 11, 1)
NOW = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
LATER = NOW + timedelta(days=1)  # when the finding is applied: updated_at shows who wrote it
URGENCIES = ("soon", "same_day", "emergency")


def changes_nothing(alerts: SymptomAlerts | None, finding: Finding) -> bool:
    """`sort_out` says apply_findings would write nothing for this finding."""
    return sort_out(alerts, finding) == UNCHANGED


def moved_dates(alerts: SymptomAlerts | None, finding: Finding) -> MovedDates | None:
    """The open alert's new dates, if `sort_out` says they are all that would change."""
    sorted_out = sort_out(alerts, finding)
    return sorted_out if isinstance(sorted_out, MovedDates) else None


reason_sets = st.sets(st.sampled_from(REASONS), min_size=1).map(
    lambda chosen: tuple(r for r in REASONS if r in chosen)
)


@st.composite
def alerts(draw, status) -> dict:
    start = BASE + timedelta(days=draw(st.integers(-5, 5)))
    first = start + timedelta(days=draw(st.integers(0, 3)))
    last = first + timedelta(days=draw(st.integers(0, 10)))
    # Now and then a stored duration that does not match its dates, as a hand edit might.
    duration = (last - start).days + draw(st.sampled_from((0, 0, 0, 0, 1)))
    return dict(
        symptom_code="cough",
        status=status,
        urgency=draw(st.sampled_from(URGENCIES)),
        reasons=",".join(draw(reason_sets)),
        episode_start=start,
        first_entry=first,
        last_entry=last,
        duration_days=duration,
        rules_version="test",
        opened_at=NOW,
        updated_at=NOW,
    )


histories = st.one_of(
    st.just([]),
    st.tuples(st.sampled_from((OPEN, OPEN, ACKNOWLEDGED, RESOLVED, CLOSED, SUPERSEDED))).flatmap(
        lambda s: st.lists(alerts(s[0]), min_size=1, max_size=1)
    ),
    st.tuples(alerts(SUPERSEDED), alerts(OPEN)).map(list),
    st.tuples(alerts(ACKNOWLEDGED), alerts(OPEN)).map(list),
)


@st.composite
def findings_near(draw, history: list[dict]) -> Finding:
    """A finding that often matches the latest alert, and often differs from it in one way."""
    if history:
        alert = history[-1]
        start, first, last = alert["episode_start"], alert["first_entry"], alert["last_entry"]
        stored = tuple(alert["reasons"].split(","))
        urgency = draw(st.sampled_from((alert["urgency"],) * 3 + URGENCIES))
        reasons = draw(
            st.one_of(
                st.sets(st.sampled_from(stored), min_size=1).map(
                    lambda chosen: tuple(r for r in REASONS if r in chosen)
                ),
                reason_sets,
            )
        )
    else:
        start = first = last = BASE
        urgency, reasons = draw(st.sampled_from(URGENCIES)), draw(reason_sets)
    nudge = st.sampled_from((0,) * 5 + (-1, 1, 8, 20))
    start += timedelta(days=draw(nudge))
    first = max(start, first + timedelta(days=draw(nudge)))
    last = max(first, last + timedelta(days=draw(nudge)))
    return Finding(
        symptom="cough",
        urgency=urgency,
        reasons=reasons,
        episode_start=start,
        last_entry=last,
        duration_days=(last - start).days,
        rules_version=draw(st.sampled_from(("test", "test", "next"))),
        first_entry=first,
    )


cases = histories.flatmap(lambda h: st.tuples(st.just(h), findings_near(h)))
# Histories that end in an open alert: where new reasons can be written in bulk.
open_cases = st.one_of(
    st.tuples(alerts(OPEN)).map(list),
    st.tuples(alerts(SUPERSEDED), alerts(OPEN)).map(list),
    st.tuples(alerts(ACKNOWLEDGED), alerts(OPEN)).map(list),
).flatmap(lambda h: st.tuples(st.just(h), findings_near(h)))


# Each example stores its alerts in the database: no deadline, and the session fixture is shared.
many_histories = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def stored_history(session, history: list[dict]) -> int:
    """A new patient with these alerts stored; returns the patient's id."""
    [pid] = add_patients(session, 1)
    session.add_all(Alert(patient_id=pid, **fields) for fields in history)
    session.commit()
    return pid


def full_state(s) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Every column of every alert, event and prompt.

    Ids are replaced by the alert's place in id order: on PostgreSQL a rolled-back insert
    still uses up its ids, so a second writer's new rows have other ids for the same content.
    """
    alerts = [tuple(row) for row in s.execute(select(Alert.__table__).order_by(Alert.id))]
    place = {row[0]: n for n, row in enumerate(alerts)}

    def rows_of(model) -> list[tuple]:
        table = model.__table__
        others = [c for c in table.c if c.name not in ("id", "alert_id")]
        rows = s.execute(select(table.c.alert_id, *others).order_by(table.c.id))
        return sorted((place[alert_id], *rest) for alert_id, *rest in rows)

    return [row[1:] for row in alerts], rows_of(AlertEvent), rows_of(Prompt)


def counts(s) -> tuple[int, int]:
    return (
        s.scalar(select(func.count()).select_from(AlertEvent)),
        s.scalar(select(func.count()).select_from(Prompt)),
    )


@many_histories
@given(case=cases)
def test_skipping_agrees_with_apply_findings(session, case):
    history, finding = case
    try:
        pid = stored_history(session, history)
        skip = changes_nothing(read_alerts(session, pid, pid).get((pid, "cough")), finding)
        event(f"skipped: {skip}")
        before = (alert_state(session), counts(session))

        outcome = apply_findings(session, pid, [finding], now=NOW)
        session.commit()

        if skip:
            assert (outcome.opened, outcome.updated, outcome.unchanged) == (0, 0, 1)
            assert (alert_state(session), counts(session)) == before
    finally:
        session.rollback()
        wipe(session)


@many_histories
@given(case=cases)
def test_moving_the_dates_alone_agrees_with_apply_findings(session, case):
    history, finding = case
    try:
        pid = stored_history(session, history)
        moved = moved_dates(read_alerts(session, pid, pid).get((pid, "cough")), finding)
        event(f"moved: {moved is not None}")
        if moved is None:
            return
        events_and_prompts = counts(session)
        dates = (moved.episode_start, moved.first_entry, moved.last_entry, moved.duration_days)
        expected = [(*row[:5], *dates) if row[2] == OPEN else row for row in alert_state(session)]

        with session.begin_nested() as by_the_pass:
            _move_dates(session, [moved])
            assert (alert_state(session), counts(session)) == (expected, events_and_prompts)
            by_the_pass.rollback()

        outcome = apply_findings(session, pid, [finding], now=NOW)
        session.commit()
        assert (outcome.opened, outcome.updated, outcome.unchanged) == (0, 0, 1)
        assert (alert_state(session), counts(session)) == (expected, events_and_prompts)
    finally:
        session.rollback()
        wipe(session)


@many_histories
@given(case=open_cases)
def test_new_reasons_written_in_bulk_agree_with_apply_findings(session, case):
    history, finding = case
    try:
        pid = stored_history(session, history)
        change = sort_out(read_alerts(session, pid, pid).get((pid, "cough")), finding)
        event(f"new reasons: {isinstance(change, NewReasons)}")
        if not isinstance(change, NewReasons):
            return

        with session.begin_nested() as by_the_pass:
            assert _write_new_reasons(session, [change], LATER) == {change.dates.alert_id}
            in_bulk = full_state(session)
            by_the_pass.rollback()

        outcome = apply_findings(session, pid, [finding], now=LATER)
        session.commit()
        assert (outcome.opened, outcome.updated, outcome.unchanged) == (0, 1, 0)
        assert outcome.prompts == []
        assert full_state(session) == in_bulk
    finally:
        session.rollback()
        wipe(session)


@many_histories
@given(case=cases)
def test_opening_in_bulk_agrees_with_apply_findings(session, case):
    history, finding = case
    try:
        pid = stored_history(session, history)
        opens = sort_out(read_alerts(session, pid, pid).get((pid, "cough")), finding)
        event(f"opens: {opens == OPEN_ALERT}")
        if opens != OPEN_ALERT:
            return

        with session.begin_nested() as by_the_pass:
            assert _open_alerts(session, [(pid, finding)], LATER) == 1
            in_bulk = full_state(session)
            by_the_pass.rollback()

        outcome = apply_findings(session, pid, [finding], now=LATER)
        session.commit()
        assert (outcome.opened, outcome.updated, outcome.unchanged) == (1, 0, 0)
        assert full_state(session) == in_bulk
    finally:
        session.rollback()
        wipe(session)


CHANGES_IN_BETWEEN = {
    "answered": {"status": ACKNOWLEDGED},
    "another reason": {"reasons": "new,worrying"},
    "urgency rose": {"urgency": "same_day"},
}


@pytest.mark.parametrize("change", CHANGES_IN_BETWEEN, ids=list(CHANGES_IN_BETWEEN))
def test_new_reasons_leave_alone_an_alert_changed_since_it_was_read(session, change):
    opened = dict(
        symptom_code="cough", status=OPEN, urgency="soon", reasons="new", rules_version="test",
        episode_start=BASE, first_entry=BASE, last_entry=BASE, duration_days=0,
        opened_at=NOW, updated_at=NOW,
    )  # fmt: skip
    pid = stored_history(session, [opened])
    persistent = Finding("cough", "soon", ("persistent",), BASE, BASE, 0, "test", BASE)
    new_reasons = sort_out(read_alerts(session, pid, pid)[(pid, "cough")], persistent)
    assert isinstance(new_reasons, NewReasons)
    session.execute(update(Alert).values(**CHANGES_IN_BETWEEN[change]))  # by someone else
    session.commit()
    before = full_state(session)

    assert _write_new_reasons(session, [new_reasons], LATER) == set()
    assert full_state(session) == before


def test_an_unchanged_open_alert_is_skipped_and_a_new_reason_is_not(session):
    [pid] = add_patients(session, 1)
    session.add(
        Alert(
            patient_id=pid,
            symptom_code="cough",
            status=OPEN,
            urgency="soon",
            reasons="new,persistent",
            episode_start=BASE,
            first_entry=BASE,
            last_entry=BASE + timedelta(days=15),
            duration_days=15,
            rules_version="test",
        )
    )
    session.commit()
    same = Finding("cough", "soon", ("persistent",), BASE, BASE + timedelta(days=15), 15, "t", BASE)
    worse = Finding("cough", "soon", ("severe",), BASE, BASE + timedelta(days=15), 15, "t", BASE)
    later = Finding("cough", "soon", ("new",), BASE, BASE + timedelta(days=16), 16, "t", BASE)
    snapshot = read_alerts(session, pid, pid)[(pid, "cough")]

    assert changes_nothing(snapshot, same)
    assert not changes_nothing(snapshot, worse)
    assert not changes_nothing(snapshot, later)
    assert not changes_nothing(None, same)
