"""SQLite reads a batch's window as one JSON row per symptom: it must give the flat query's rows.

`_window_rows` is the window as rows, one per diary entry, which PostgreSQL reads. SQLite reads
`_window_by_pair` instead (it is quicker there) and unpacks it; everything after that, from
grouping to alerts, is shared. So the two must agree value for value and in order.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest

from tracker.detection.rows import plain_rows
from tracker.detection.run import _read_window, _unpack_pairs, _window_rows
from tracker.detection.window import window_start
from tracker.diary.models import RESOLVED, SYMPTOM
from tracker.rules.catalogue import load_rules
from tracker.rules.engine import compile_rules

from .stored import add_patients, check_in, resolved, store, symptom, wipe

TODAY = date(2026, 11, 20)
RULES = compile_rules(load_rules())
EDGE = window_start(TODAY, RULES)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_sqlite_reads_by_pair_exactly_the_rows_of_the_flat_query(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's way of reading the window; PostgreSQL reads the flat query")
    first, second, outside = add_patients(session, 3)
    try:
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
        conn = session.connection()

        by_pair = list(_read_window(conn, first, second, TODAY, RULES))
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
