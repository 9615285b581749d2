"""One lifecycle: the pass writes exactly what `assess` finds and `decide` decides.

Random diaries are stored with random alert histories near their findings (open, answered,
superseded; dates, reasons and urgency a little off). The pass runs over them in small batches,
and the database must then hold exactly what carrying out `decide` says for each of `assess`'s
findings (the rules engine over the same diary, held in memory), and the pass's counts must be
`decide`'s. The save path, `apply_findings`, one patient at a time, is held to the same.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.detection.stored import add_patients, engine_input, store, wipe
from tests.detection.test_same_findings_as_assess import CODES, RULES, TODAY, diaries
from tracker.alerts.lifecycle import (
    ACKNOWLEDGED,
    CLOSED,
    COUNTED_AS,
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
from tracker.alerts.models import Alert, AlertEvent, Prompt
from tracker.alerts.services import DETECTION, apply_findings
from tracker.detection.run import detect
from tracker.rules.catalogue import load_rules
from tracker.rules.data import split_series
from tracker.rules.engine import REASONS, assess
from tracker.rules.urgency import Urgency

NOW = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
EARLIER = NOW - timedelta(days=3)  # when the stored alerts were written
A, E, P = Alert.__table__.c, AlertEvent.__table__.c, Prompt.__table__.c
ALERT_COLUMNS = (
    A.status, A.urgency, A.reasons, A.episode_start, A.first_entry, A.last_entry,
    A.duration_days, A.rules_version, A.opened_at, A.updated_at, A.closed_at,
)  # fmt: skip

DB_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ---- alert histories near the findings --------------------------------------------------------

nudges = st.sampled_from((0, 0, 0, 0, -1, 1, -8, 5, 20))


@st.composite
def stored_alert(draw, status: str, near) -> dict:
    """An alert row of `status` for the finding `near` (or any cough-like episode if None)."""
    start = near.episode_start if near else TODAY - timedelta(days=10)
    last = near.last_entry if near else TODAY - timedelta(days=2)
    earlier = timedelta(days=draw(st.sampled_from((0, 0, 0, 40))))  # an earlier episode's
    start += timedelta(days=draw(nudges)) - earlier
    first = start + timedelta(days=draw(st.sampled_from((0, 0, 1))))
    last = max(first, last + timedelta(days=draw(nudges)) - earlier)
    # Mostly the finding's reasons, or more: where nothing, or only the dates, change.
    chosen = draw(st.sets(st.sampled_from(REASONS), min_size=1))
    if near and draw(st.integers(0, 3)):
        chosen = set(near.reasons) | (chosen if draw(st.booleans()) else set())
    urgencies = ((near.urgency,) * 3 if near else ()) + tuple(Urgency)
    return dict(
        status=status,
        urgency=draw(st.sampled_from(urgencies)),
        reasons=",".join(r for r in REASONS if r in chosen),
        episode_start=start,
        first_entry=first,
        last_entry=last,
        duration_days=(last - start).days + draw(st.sampled_from((0, 0, 0, 1))),
        rules_version=draw(st.sampled_from((RULES.version, "older"))),
        opened_at=EARLIER,
        updated_at=EARLIER,
    )


def history(near):
    """No alert, one of any status, or an earlier closed one and an open one after it."""
    answered = st.sampled_from((ACKNOWLEDGED, RESOLVED, CLOSED, SUPERSEDED))
    one = st.sampled_from((OPEN, OPEN, OPEN, ACKNOWLEDGED, RESOLVED, CLOSED, SUPERSEDED))
    return st.sampled_from(("none", "one", "one", "two")).flatmap(
        lambda form: {
            "none": st.just([]),
            "one": one.flatmap(lambda status: stored_alert(status, near)).map(lambda a: [a]),
            "two": st.tuples(
                answered.flatmap(lambda status: stored_alert(status, near)),
                stored_alert(OPEN, near),
            ).map(list),
        }[form]
    )


@st.composite
def patients(draw) -> list[tuple]:
    """Patients as (diary rows, known conditions, {series: alert history})."""
    drawn = []
    for rows, known in draw(st.lists(diaries(), min_size=1, max_size=4)):
        entries, marks = engine_input(rows)
        found = {f.series: f for f in assess(entries, marks, known, TODAY, RULES)}
        # Histories for most findings, and now and then for a symptom without one.
        codes = [c for c in found if draw(st.integers(0, 4))] + draw(
            st.lists(st.sampled_from(CODES), max_size=1)
        )
        drawn.append((rows, known, {c: draw(history(found.get(c))) for c in dict.fromkeys(codes)}))
    return drawn


# ---- what carrying out decide's actions leaves -------------------------------------------------


def state(s) -> tuple[Counter, Counter, Counter]:
    """Alerts, events and prompts, each alert known by its patient, symptom and place among
    that symptom's alerts (ids differ between backends and runs)."""
    places: dict[int, tuple] = {}
    alerts = Counter()
    query = select(A.id, A.patient_id, A.series, *ALERT_COLUMNS).order_by(A.id)
    for alert_id, pid, code, *values in s.execute(query):
        places[alert_id] = (pid, code, sum(1 for p in places.values() if p[:2] == (pid, code)))
        alerts[(*places[alert_id], *values)] += 1
    events = Counter(
        (*places[alert_id], *rest)
        for alert_id, *rest in s.execute(
            select(E.alert_id, E.at, E.action, E.actor, E.status, E.urgency, E.reasons).add_columns(
                E.rules_version
            )
        )
    )
    prompts = Counter(
        (*places[alert_id], *rest)
        for alert_id, *rest in s.execute(
            select(P.alert_id, P.patient_id, P.urgency, P.reprompt, P.created_at, P.due_at)
        )
    )
    return alerts, events, prompts


def expected(s, pids: list[int], stored: list[tuple], path: str) -> tuple[tuple, Counter]:
    """The state after carrying out, for each of `assess`'s findings, what `decide` says about
    the alerts as stored; and how many findings `decide` counts as what. After the pass, an open
    alert that a resolved mark in the diary answers is resolved too (rules §4)."""
    alerts, events, prompts = state(s)
    rows_by_place = {row[:3]: row for row in alerts}
    counts = Counter()
    for pid, (rows, known, _histories) in zip(pids, stored, strict=True):
        entries, marks = engine_input(rows)
        for f in assess(entries, marks, known, TODAY, RULES):
            action = decide(as_stored(rows_by_place, pid, f.series), f)
            event(f"action: {action.kind}")
            counts[COUNTED_AS[action.kind]] += 1
            counts["findings"] += 1
            places = sorted(p for p in rows_by_place if p[:2] == (pid, f.series))
            if action.kind == UNCHANGED:
                continue
            if action.was is not None:
                place = next(p for p in places if rows_by_place[p][3] == OPEN)
                old = rows_by_place[place]
                alerts[old] -= 1
                if action.kind == SUPERSEDE_AND_OPEN:
                    new = (*old[:3], SUPERSEDED, *old[4:12], NOW, NOW)
                    events[
                        (*place, NOW, SUPERSEDED, DETECTION, SUPERSEDED, *old[4:6], old[10])
                    ] += 1
                else:
                    a = action.alert
                    said = (a.urgency, ",".join(a.reasons))
                    dates = (a.episode_start, a.first_entry, a.last_entry, a.duration_days)
                    if action.kind == MOVE:
                        new = (*old[:4], *old[4:6], *dates, *old[10:])
                    else:
                        new = (*old[:4], *said, *dates, a.rules_version, old[11], NOW, old[13])
                        events[
                            (*place, NOW, "updated", DETECTION, OPEN, *said, a.rules_version)
                        ] += 1
                    if action.kind == RAISE:
                        prompts[(*place, pid, a.urgency, 0, NOW, NOW)] += 1
                alerts[new] += 1
                rows_by_place[place] = new
            if action.kind in (OPEN_NEW, SUPERSEDE_AND_OPEN):
                a = action.alert
                place = (pid, f.series, len(places))
                said = (a.urgency, ",".join(a.reasons))
                dates = (a.episode_start, a.first_entry, a.last_entry, a.duration_days)
                new = (*place, OPEN, *said, *dates, a.rules_version, NOW, NOW, None)
                alerts[new] += 1
                rows_by_place[place] = new
                events[(*place, NOW, "opened", DETECTION, OPEN, *said, a.rules_version)] += 1
                prompts[(*place, pid, a.urgency, 0, NOW, NOW)] += 1
    if path == "pass":
        answer_by_marks(pids, stored, rows_by_place, alerts, events)
    return (+alerts, +events, +prompts), counts


def answer_by_marks(pids, stored, rows_by_place, alerts, events) -> None:
    """Resolve each open alert with a live resolved mark dated from its last entry to today."""
    for pid, (rows, _known, _histories) in zip(pids, stored, strict=True):
        _entries, marks = engine_input(rows)
        for place, row in sorted(rows_by_place.items()):
            if place[0] != pid or row[3] != OPEN:
                continue
            if any(m.series == place[1] and row[8] <= m.day <= TODAY for m in marks):
                new = (*row[:3], RESOLVED, *row[4:12], NOW, NOW)
                alerts[row] -= 1
                alerts[new] += 1
                rows_by_place[place] = new
                actor = f"patient:{pid}"
                events[(*place, NOW, RESOLVED, actor, RESOLVED, row[4], row[5], row[10])] += 1


def as_stored(rows_by_place: dict, pid: int, code: str) -> SymptomAlerts:
    """The symptom's open and latest alert, as `decide` takes them, from the rows as stored."""
    mine = [row for place, row in sorted(rows_by_place.items()) if place[:2] == (pid, code)]
    states = [
        AlertState(row[2], code, row[3], row[4], tuple(row[5].split(",")), *row[6:11])
        for row in mine
    ]
    open_now = [a for a in states if a.status == OPEN]
    return (
        SymptomAlerts(open_now[-1], states[-1])
        if open_now
        else (SymptomAlerts(None, states[-1]) if states else NONE_YET)
    )


def store_patients(session, drawn) -> list[int]:
    pids = add_patients(session, len(drawn))
    for pid, (rows, known, histories) in zip(pids, drawn, strict=True):
        store(session, pid, rows, known)
        for code, alerts in histories.items():
            session.add_all(
                Alert(patient_id=pid, symptom_code=split_series(code)[0], series=code, **a)
                for a in alerts
            )
    session.commit()
    return pids


@DB_SETTINGS
@given(drawn=patients(), batch_size=st.integers(1, 3))
@pytest.mark.parametrize("path", ["pass", "save"])
def test_alerts_are_what_decide_says_for_what_assess_finds(
    session, sessions, path, drawn, batch_size
):
    try:
        pids = store_patients(session, drawn)
        after, counts = expected(session, pids, drawn, path)
        if path == "pass":
            summary = detect(sessions, TODAY, load_rules(), batch_size=batch_size, now=NOW)
            done = Counter(
                findings=summary.findings,
                opened=summary.opened,
                updated=summary.updated,
                unchanged=summary.unchanged,
            )
            assert summary.failed == 0
        else:
            done = Counter()
            for pid, (rows, known, _) in zip(pids, drawn, strict=True):
                findings = assess(*engine_input(rows), known, TODAY, RULES)
                outcome = apply_findings(session, pid, findings, DETECTION, NOW)
                session.commit()
                done.update(
                    findings=len(findings),
                    opened=outcome.opened,
                    updated=outcome.updated,
                    unchanged=outcome.unchanged,
                )
        session.rollback()

        assert +done == +counts
        assert state(session) == after
    finally:
        session.rollback()
        wipe(session)
