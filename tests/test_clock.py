"""One clock: nothing in tracker/ or jobs/ reads the wall clock except tracker/clock.py, and the
app's clock is the time everything decides by."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tracker import clock as tracker_clock
from tracker.clock import Clock

ROOT = Path(__file__).resolve().parent.parent
CLOCK_MODULE = ROOT / "tracker" / "clock.py"

# Calls that read the wall clock: `datetime.now()`, `date.today()`, `time.time()` and kin.
_CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
    ("func", "now"),
    ("func", "current_timestamp"),
    ("func", "current_date"),
    ("func", "localtimestamp"),
}
# The database's clock, in SQL written as text.
_SQL_CLOCK = re.compile(
    r"\bnow\s*\(\s*\)|\bcurrent_(timestamp|date|time)\b|\blocaltimestamp\b|'now'", re.I
)


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    """Where `source` reads the wall clock: (line, what)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (owner_name, node.func.attr) in _CLOCK_CALLS:
                found.append((node.lineno, f"{owner_name}.{node.func.attr}()"))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = _SQL_CLOCK.search(node.value)
            # Docstrings and messages name these words in prose; SQL has them with a keyword.
            if match and re.search(r"\b(select|insert|update|where|values)\b", node.value, re.I):
                found.append((node.lineno, f"SQL {match.group(0)}"))
    return found


def test_the_finder_finds_every_way_of_reading_the_wall_clock():
    source = """
import time, datetime as dt
from datetime import date, datetime
from sqlalchemy import func
a = datetime.now(UTC)
b = dt.datetime.utcnow()
c = date.today()
d = time.time()
e = func.now()
f = "UPDATE runs SET finished_at = now() WHERE id = :id"
g = "SELECT * FROM runs WHERE due_at < CURRENT_TIMESTAMP"
ok = time.monotonic()
prose = "Decide now() in the docstring"
"""
    found = [what for _, what in wall_clock_reads(source)]
    assert found == [
        "datetime.now()",
        "datetime.utcnow()",
        "date.today()",
        "time.time()",
        "func.now()",
        "SQL now()",
        "SQL CURRENT_TIMESTAMP",
    ]


def test_nothing_outside_the_clock_module_reads_the_wall_clock():
    offenders = []
    for path in sorted(
        [*ROOT.joinpath("tracker").rglob("*.py"), *ROOT.joinpath("jobs").rglob("*.py")]
    ):
        if path == CLOCK_MODULE:
            continue
        for line, what in wall_clock_reads(path.read_text("utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert offenders == []
    assert wall_clock_reads(CLOCK_MODULE.read_text("utf-8")), "the clock itself reads it"


NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_a_set_clock_holds_its_time_and_moves_only_when_told():
    clock = Clock(NOON)
    assert clock.now() == NOON
    clock.advance(timedelta(minutes=5))
    assert clock.now() == NOON + timedelta(minutes=5)


def test_the_date_is_the_local_one():
    # 23:30 UTC on 30 June is 1 July in London (summer time) and still 30 June in UTC.
    clock = Clock(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert clock.today("Europe/London") == date(2026, 7, 1)
    assert clock.today("UTC") == date(2026, 6, 30)


def test_set_for_holds_the_clock_for_a_block_then_puts_it_back():
    clock = Clock(NOON)
    with clock.set_for(NOON + timedelta(days=3)) as held:
        assert held.now() == NOON + timedelta(days=3)
    assert clock.now() == NOON
    with clock.set_for(None):
        assert clock.now() == NOON


def test_an_unset_clock_is_the_systems_and_moves():
    clock = Clock()
    first = clock.now()
    assert first.tzinfo is UTC
    assert clock.now() >= first


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        Clock(datetime(2026, 11, 23, 12, 0))


def test_within_an_app_the_time_is_the_apps_and_rows_are_stamped_by_it(app, clock):
    clock.set(NOON)
    with app.app_context():
        assert tracker_clock.now() == NOON
        assert tracker_clock.today("Europe/London") == date(2026, 11, 23)
    assert tracker_clock.current() is tracker_clock.SYSTEM  # outside any app
