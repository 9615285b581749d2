"""`plain_rows` gives exactly the values SQLAlchemy would, in plain tuples, on both databases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from tracker.detection.rows import plain_rows
from tracker.detection.run import _live_rows
from tracker.diary.models import DiaryEntry

from .stored import add_patients, check_in, resolved, store, symptom, wipe


def _diary(session) -> list[int]:
    ids = add_patients(session, 2)
    store(
        session,
        ids[0],
        [
            symptom(date(2026, 11, 1), "cough", 4, onset=date(2026, 10, 20), worrying=True),
            symptom(date(2026, 11, 2), "cough", 10),
            resolved(date(2026, 11, 3), "cough"),  # no severity: a None among the integers
            check_in(date(2026, 11, 4)),
        ],
    )
    store(session, ids[1], [symptom(date(2024, 2, 29), "bone_pain", 1)])
    return ids


def test_plain_rows_are_sqlalchemys_rows_as_plain_tuples(session):
    try:
        ids = _diary(session)
        query = _live_rows(DiaryEntry.patient_id.between(ids[0], ids[-1]))
        conn = session.connection()

        rows = list(plain_rows(conn, query))

        assert rows == [tuple(row) for row in conn.execute(query)]
        assert len(rows) == 4
        assert all(type(row) is tuple for row in rows)
        # Typed as the columns are, not as the database stores them (SQLite: text, 0 and 1).
        first = rows[0]
        assert (type(first[3]), type(first[5]), first[6]) == (date, date, True)
        assert rows[1][5] is None and rows[1][6] is False
    finally:
        session.rollback()
        wipe(session)


def test_a_column_that_types_its_own_values_is_still_typed(session):
    # created_at is a TypeDecorator (UTC datetimes): plain_rows leaves it to SQLAlchemy.
    try:
        ids = _diary(session)
        query = select(DiaryEntry.id, DiaryEntry.created_at).where(DiaryEntry.patient_id == ids[0])
        conn = session.connection()

        rows = list(plain_rows(conn, query))

        assert rows == [tuple(row) for row in conn.execute(query)]
        assert all(isinstance(at, datetime) and at.tzinfo is not None for _, at in rows)
    finally:
        session.rollback()
        wipe(session)


def test_no_rows_is_an_empty_iterator(session):
    query = _live_rows(DiaryEntry.patient_id == -1)
    assert list(plain_rows(session.connection(), query)) == []
    session.rollback()
