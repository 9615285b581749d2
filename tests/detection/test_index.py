"""The pass reads diaries through their covering index, on both databases.

Both databases use a partial index only when they can prove the query's condition implies the
index's, and only an index that holds every column read spares them the table. A change to
either side (a column read, a word of the condition) would quietly make the daily pass read
the whole table once per batch, and no other test would notice.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select
from sqlalchemy.orm import Session

from tracker.detection.diaries import _older_rows, window_rows
from tracker.rules.catalogue import load_rules
from tracker.rules.engine import compile_rules

INDEX = "ix_diary_entries_live_series_days"
RULES = compile_rules(load_rules())
TODAY = date(2026, 11, 20)


def plan(session: Session, query: Select) -> str:
    conn = session.connection()
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    if conn.dialect.name == "postgresql":
        # An empty table is cheaper to scan than any index: ask whether the index can be used,
        # which is what a change to the query or the index would break.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", params).scalars()
    else:
        rows = (row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params))
    return "\n".join(rows)


def diary_reads(session: Session, query: Select) -> list[str]:
    """The plan's steps that read diary_entries: PostgreSQL's scans, SQLite's SCAN or SEARCH."""
    return [
        line.strip()
        for line in plan(session, query).splitlines()
        if "diary_entries" in line
        and ("Scan" in line or line.lstrip().startswith(("SCAN", "SEARCH")))
    ]


def test_the_window_is_read_from_the_covering_index_alone(session):
    reads = diary_reads(session, window_rows(1, 5000, TODAY, RULES))
    # The recent pairs, the probe for any older row of each, and the window's rows.
    assert len(reads) == 3, reads
    if session.get_bind().dialect.name == "postgresql":
        assert all(f"Index Only Scan using {INDEX}" in line for line in reads), reads
    else:
        assert all(f"USING COVERING INDEX {INDEX}" in line for line in reads), reads
    session.rollback()


def test_reading_further_back_reads_the_covering_index_alone(session):
    since, before = TODAY - timedelta(days=400), TODAY - timedelta(days=125)
    ranges = {(1, "cough"): (since, before), (2, "fatigue"): (since, before)}
    reads = diary_reads(session, _older_rows(ranges))
    assert len(reads) == 1, reads  # one index range per pair, looped over the pairs
    if session.get_bind().dialect.name == "postgresql":
        assert f"Index Only Scan using {INDEX}" in reads[0], reads
    else:
        # Which of two indexes with the same leading columns SQLite picks depends on its
        # statistics; what matters is that each pair is one range of an index, not a scan.
        assert reads[0].startswith("SEARCH diary_entries USING"), reads
        assert "(patient_id=? AND series=? AND entry_date>? AND entry_date<?)" in reads[0]
    session.rollback()
