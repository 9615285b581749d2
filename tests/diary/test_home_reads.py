"""The diary's home page costs the same however long the diary grows, and a visit with nothing
new to ask writes nothing (issue 24, item 4)."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from tests.conftest import sign_in_as
from tests.notify.conftest import add_patient
from tracker.diary import checkins
from tracker.diary.services import SymptomReport, record_symptoms
from tracker.rules import load_rules
from tracker.rules.engine import Entry, ResolvedMark, lapsed_episodes

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 09:00 in London
WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements(app):
    """Every SQL statement the app runs inside the block."""
    seen: list[str] = []
    engine = app.extensions["engine"]

    def executed(conn, cursor, statement, params, context, executemany):
        seen.append(statement.strip())

    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", executed)


def a_long_diary(session, patient, today: date) -> None:
    """Three years of a symptom every third day, then a cough that lapsed 16 days ago."""
    for n in range(3 * 365 // 3):
        day = today - timedelta(days=60 + 3 * n)
        record_symptoms(session, patient, day, [SymptomReport("joint_pain", 1 + n % 5)])
    record_symptoms(session, patient, today - timedelta(days=16), [SymptomReport("cough", 4)])
    record_symptoms(session, patient, today - timedelta(days=2), [SymptomReport("headache", 3)])
    session.commit()


def test_a_visit_with_nothing_new_to_ask_writes_nothing(app, clock, session, client):
    patient = add_patient(session)
    a_long_diary(session, patient, MONDAY.date())
    sign_in_as(client, patient)
    clock.set(MONDAY)
    first = client.get("/diary/").get_data(as_text=True)
    assert "Is this still there: cough?" in first  # asked, and marked asked, on this visit

    clock.set(MONDAY + timedelta(days=1))
    with statements(app) as seen:
        later = client.get("/diary/").get_data(as_text=True)

    assert "Headache" in later and "Is this still there" not in later  # asked once only
    # No statement writes. (The request's reading transaction itself ends by COMMIT: see
    # tracker.db, and tests/test_db.py for what a request that wrote without committing leaves.)
    assert [s for s in seen if s.split()[0].upper() in WRITES] == []


def test_the_home_page_reads_only_the_weeks_it_shows(app, clock, session, client):
    patient = add_patient(session)
    a_long_diary(session, patient, MONDAY.date())
    sign_in_as(client, patient)
    clock.set(MONDAY)
    with statements(app) as seen:
        page = client.get("/diary/").get_data(as_text=True)

    assert "Headache" in page and "Joint aches" not in page  # last noted 60 days ago
    diary_reads = [s for s in seen if "FROM diary_entries" in s]
    assert diary_reads  # the page does read the diary ...
    for statement in diary_reads:  # ... but never all of it: each read is bounded
        assert "diary_entries.entry_date >=" in statement or "LIMIT" in statement, statement


def test_the_weeks_read_find_every_lapse_the_whole_diary_finds():
    # Reading from `since` must ask exactly what reading everything would have asked.
    rules = load_rules()
    today = date(2026, 11, 23)
    max_gap = rules.thresholds["max_gap_days"]
    since = today - checkins.ASK_WITHIN - timedelta(days=max_gap + 1)
    draw = random.Random(24)
    for _ in range(300):
        entries = [
            Entry(today - timedelta(days=draw.randrange(0, 120)), code, draw.randint(1, 9))
            for code in ("cough", "headache", "fatigue")
            for _ in range(draw.randrange(0, 12))
        ]
        marks = [
            ResolvedMark(today - timedelta(days=draw.randrange(0, 120)), code)
            for code in ("cough", "headache")
            if draw.random() < 0.4
        ]

        def askable(found):
            return {
                (e.series, e.days[-1].day)
                for e in found
                if today - (e.days[-1].day + timedelta(days=max_gap + 1)) <= checkins.ASK_WITHIN
            }

        whole = askable(lapsed_episodes(entries, marks, today, rules))
        recent_entries = [e for e in entries if e.day >= since]
        recent_marks = [m for m in marks if m.day >= since]
        weeks = askable(lapsed_episodes(recent_entries, recent_marks, today, rules))
        assert weeks == whole
