"""`plain_rows` reads, and `insert_rows` writes, exactly the values SQLAlchemy would, on both
databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import insert, select

from tracker.detection.rows import insert_rows, plain_rows
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


# Diary rows with every kind of value insert_rows converts: dates, UTC datetimes (one given in
# another zone), booleans, and None in each.
_COLUMNS = (
    "patient_id",
    "kind",
    "entry_date",
    "symptom_code",
    "severity",
    "onset_date",
    "worrying",
    "created_at",
    "updated_at",
    "deleted_at",
)
_AT = datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC)
_SAME_AT_IN_PARIS = _AT.astimezone(timezone(timedelta(hours=2)))


def _values(patient_id: int) -> list[tuple]:
    return [
        (patient_id, "symptom", date(2026, 3, 28), "cough", 1, date(2026, 3, 1), True, _AT, _AT,
         None),
        (patient_id, "symptom", date(2026, 3, 29), "cough", 10, None, False, _SAME_AT_IN_PARIS,
         _AT, _AT),
        (patient_id, "check_in", date(2024, 2, 29), None, None, None, False, _AT, _AT, None),
    ]  # fmt: skip


def _stored(session, patient_id: int) -> list[tuple]:
    """The patient's diary rows as SQLAlchemy reads them back, without their ids."""
    query = (
        select(*(DiaryEntry.__table__.c[name] for name in _COLUMNS))
        .where(DiaryEntry.patient_id == patient_id)
        .order_by(DiaryEntry.id)
    )
    return [tuple(row) for row in session.execute(query)]


def test_insert_rows_stores_what_sqlalchemys_insert_stores(session):
    try:
        by_sqlalchemy, by_insert_rows = add_patients(session, 2)
        conn = session.connection()
        table = DiaryEntry.__table__
        conn.execute(
            insert(table), [dict(zip(_COLUMNS, row, strict=True)) for row in _values(by_sqlalchemy)]
        )

        assert insert_rows(conn, table, _COLUMNS, _values(by_insert_rows)) == []

        theirs = [row[1:] for row in _stored(session, by_sqlalchemy)]
        ours = [row[1:] for row in _stored(session, by_insert_rows)]
        assert ours == theirs
        assert ours[1][6] == _AT  # the same instant, given in another zone, stored as UTC
        assert (ours[0][5], ours[2][5]) == (True, False)
    finally:
        session.rollback()
        wipe(session)


def test_insert_rows_returns_what_each_statement_returns(session):
    # More rows than SQLite's dialect puts in one multi-row VALUES statement (1,000).
    try:
        [pid] = add_patients(session, 1)
        conn = session.connection()
        days = [date(2020, 1, 1) + timedelta(days=n) for n in range(2500)]
        rows = [(pid, "check_in", day, None, None, None, False, _AT, _AT, None) for day in days]

        returned = insert_rows(conn, DiaryEntry.__table__, _COLUMNS, rows, returning=("id", "kind"))

        stored = session.scalars(select(DiaryEntry.id).where(DiaryEntry.patient_id == pid)).all()
        # Every row inserted, and each one's id returned once.
        assert len(stored) == len(days)
        assert sorted(returned) == [(row_id, "check_in") for row_id in sorted(stored)]
    finally:
        session.rollback()
        wipe(session)


def test_insert_rows_with_no_rows_inserts_nothing(session):
    conn = session.connection()
    assert insert_rows(conn, DiaryEntry.__table__, _COLUMNS, [], returning=("id",)) == []
    assert list(plain_rows(conn, _live_rows(DiaryEntry.patient_id == -1))) == []
    session.rollback()
