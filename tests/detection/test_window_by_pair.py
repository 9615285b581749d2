"""Each database reads a batch's window one row per symptom: it must give the flat query's rows.

`_window_rows` is the window as rows, one per diary entry. SQLite reads `_window_by_pair`
instead, each symptom's rows as JSON, and PostgreSQL `_window_packed`, each symptom's entries
and marks as integers in a bytea (each is quicker on its database). Everything after the
grouping, from the engine to alerts, is shared. So each must agree with the flat query value
for value and in order.
"""

from __future__ import annotations

import json
import struct
from collections import Counter
from datetime import date, timedelta

import pytest

from tracker.detection.rows import plain_rows
from tracker.detection.run import (
    BatchDiaries,
    _read_window,
    _unpack_packed,
    _unpack_pairs,
    _window_by_pair,
    _window_rows,
    group_rows,
)
from tracker.detection.window import window_start
from tracker.diary.models import RESOLVED, SYMPTOM
from tracker.rules.catalogue import load_rules
from tracker.rules.engine import EntryDay, compile_rules

from .stored import add_patients, check_in, resolved, store, symptom, wipe

TODAY = date(2026, 11, 20)
RULES = compile_rules(load_rules())
EDGE = window_start(TODAY, RULES)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def store_diaries(session) -> tuple[int, int]:
    """Two patients' diaries with every kind of row the window's read must take or leave,
    and a third patient's, outside the range read. Returns the first two patients' ids."""
    first, second, outside = add_patients(session, 3)
    # Stored newest first, so the rows' ids run against their dates.
    store(
        session,
        first,
        [
            symptom(days_ago(0), "cough", 6, worrying=True),
            symptom(days_ago(0), "cough", 8, onset=days_ago(30)),  # same day: merged later
            resolved(days_ago(2), "cough"),
            symptom(days_ago(2), "cough", 4),  # an entry and a mark on one day
            symptom(days_ago(5), "cough", 3, deleted=True),
            check_in(days_ago(1)),
            symptom(days_ago(60), "cough", 2, onset=days_ago(61)),
            symptom((EDGE - timedelta(days=3)), "cough", 2),  # before the window
            symptom(days_ago(1), "fatigue", 5),
            symptom(days_ago(40), "fatigue", 5),
            symptom(days_ago(20), "bone_pain", 5),  # not logged lately: not read
            symptom(TODAY + timedelta(days=1), "cough", 9),  # after today: not read
        ],
    )
    store(session, second, [symptom(days_ago(3), "lump", 2), resolved(days_ago(3), "lump")])
    store(session, outside, [symptom(days_ago(0), "cough", 7)])
    return first, second


def test_sqlite_reads_by_pair_exactly_the_rows_of_the_flat_query(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's way of reading the window")
    first, second = store_diaries(session)
    try:
        conn = session.connection()

        by_pair = list(
            _unpack_pairs(plain_rows(conn, _window_by_pair(first, second, TODAY, RULES)))
        )
        flat = list(plain_rows(conn, _window_rows(first, second, TODAY, RULES)))

        # The same rows, with the same values and types; and in the order `group_rows` needs,
        # by patient, symptom and date (rows of one day may come in either order: the engine
        # merges them the same way).
        assert Counter(by_pair) == Counter(flat)
        # (Counter takes 1 for True: the types are checked on their own.)
        assert {(type(r[3]), type(r[6]), type(r[7])) for r in by_pair} == {(date, bool, bool)}
        assert [(r[0], r[1], r[3]) for r in by_pair] == sorted((r[0], r[1], r[3]) for r in by_pair)
        # And the rows read are those this test is about, each once.
        assert Counter((r[0], r[1], r[2], r[3], r[7]) for r in by_pair) == Counter(
            [
                (first, "cough", SYMPTOM, days_ago(60), True),
                (first, "cough", RESOLVED, days_ago(2), True),
                (first, "cough", SYMPTOM, days_ago(2), True),
                (first, "cough", SYMPTOM, days_ago(0), True),
                (first, "cough", SYMPTOM, days_ago(0), True),
                (first, "fatigue", SYMPTOM, days_ago(40), False),
                (first, "fatigue", SYMPTOM, days_ago(1), False),
                (second, "lump", SYMPTOM, days_ago(3), False),
                (second, "lump", RESOLVED, days_ago(3), False),
            ]
        )
        merged = [r for r in by_pair if r[1] == "cough" and r[3] == TODAY]
        assert sorted((r[4], r[5], r[6]) for r in merged) == [
            (6, None, True),
            (8, days_ago(30), False),
        ]
    finally:
        session.rollback()
        wipe(session)


def test_each_pairs_rows_come_out_in_date_order_and_typed():
    # The order an aggregate sees its rows in is the database's choice: here, not by date.
    rows = json.dumps(
        [
            [SYMPTOM, "2026-11-20", 6, None, 1],
            [RESOLVED, "2026-11-02", None, None, 0],
            [SYMPTOM, "2026-11-09", 4, "2026-10-30", 0],
        ]
    )
    pairs = [
        (7, "cough", True, rows),
        (8, "lump", False, json.dumps([[SYMPTOM, "2026-11-20", 2, None, 0]])),
    ]

    unpacked = list(_unpack_pairs(pairs))

    assert [type(row[6]) for row in unpacked] == [bool] * 4  # stored as 0 and 1
    assert unpacked == [
        (7, "cough", RESOLVED, date(2026, 11, 2), None, None, False, True),
        (7, "cough", SYMPTOM, date(2026, 11, 9), 4, date(2026, 10, 30), False, True),
        (7, "cough", SYMPTOM, date(2026, 11, 20), 6, None, True, True),
        (8, "lump", SYMPTOM, date(2026, 11, 20), 2, None, False, False),
    ]


def test_the_window_is_read_into_the_batch_as_grouping_the_flat_query_would(session):
    # SQLite through `_window_by_pair` and `group_rows`, PostgreSQL through `_window_packed`.
    first, second = store_diaries(session)
    try:
        conn = session.connection()
        flat_days: dict = {}
        flat_marks: dict = {}
        flat = plain_rows(conn, _window_rows(first, second, TODAY, RULES))
        flat_older = group_rows(flat, flat_days, flat_marks)
        batch = BatchDiaries(days={}, marks={}, known={})

        older, lost = _read_window(conn, first, second, TODAY, RULES, batch)

        assert (batch.days, batch.marks, older, lost) == (flat_days, flat_marks, flat_older, set())
        assert batch.days == {
            first: {
                "cough": [
                    EntryDay(days_ago(60), 2, days_ago(61), False),
                    EntryDay(days_ago(2), 4, None, False),
                    EntryDay(days_ago(0), 8, days_ago(30), True),  # two entries merged
                ],
                "fatigue": [EntryDay(days_ago(40), 5), EntryDay(days_ago(1), 5)],
            },
            second: {"lump": [EntryDay(days_ago(3), 2)]},
        }
        assert batch.marks == {first: {"cough": [days_ago(2)]}, second: {"lump": [days_ago(3)]}}
        assert older == {(first, "cough")}
        entry_days = [d for pairs in batch.days.values() for ds in pairs.values() for d in ds]
        assert {type(d) for d in entry_days} == {EntryDay}
        assert {(type(d.day), type(d.severity), type(d.worrying)) for d in entry_days} == {
            (date, int, bool)
        }
    finally:
        session.rollback()
        wipe(session)


def packed(*values: int) -> bytes:
    return struct.pack(f">{len(values)}i", *values)


def test_packed_entries_are_unpacked_sorted_into_entry_days_merged_by_day(caplog):
    today = TODAY.toordinal()
    pairs = [
        # (patient, symptom, has older rows, entries as date/severity/onset/worry, count, marks)
        # Packed in whatever order the aggregate met its rows: here, not by date, and with the
        # two entries of one day apart.
        (
            7,
            "cough",
            True,
            packed(today, 6, today - 3, 1, today - 1, 4, 0, 0, today, 8, 0, 0),
            3,
            packed(today - 2, today - 5),
        ),
        (7, "lump", False, None, 0, packed(today)),  # marks only
        (8, "fatigue", False, packed(today, 2, 0, 0), 1, None),
    ]
    days: dict = {}
    marks: dict = {}

    older, lost = _unpack_packed(pairs, days, marks)

    assert days == {
        7: {"cough": [EntryDay(days_ago(1), 4), EntryDay(TODAY, 8, days_ago(3), True)]},
        8: {"fatigue": [EntryDay(TODAY, 2)]},
    }
    assert marks == {7: {"cough": [days_ago(5), days_ago(2)], "lump": [TODAY]}}
    assert (older, lost) == ({(7, "cough")}, set())
    assert not caplog.records


def test_a_symptom_packed_short_of_its_count_fails_its_patient_and_says_so_without_detail(caplog):
    today = TODAY.toordinal()
    pairs = [
        (7, "cough", False, packed(today, 4, 0, 0), 1, None),
        (8, "lump", False, packed(today, 2, 0, 0), 2, None),  # counted two, packed one
    ]
    days: dict = {}

    _, lost = _unpack_packed(pairs, days, {})

    assert lost == {8}
    assert days == {7: {"cough": [EntryDay(TODAY, 4)]}}  # nothing of patient 8's is kept
    [record] = caplog.records
    assert record.getMessage() == "detection skipped patient 8: LostEntry"
