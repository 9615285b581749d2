"""What the database layer checks before the service starts."""

from __future__ import annotations

import sqlite3

import pytest

from tracker.db import SQLITE_MIN_VERSION, check_sqlite_version


def test_an_sqlite_too_old_for_the_detection_pass_is_refused_at_start_up_saying_why():
    with pytest.raises(RuntimeError) as refused:
        check_sqlite_version((3, 34, 1))
    assert "SQLite is version 3.34.1; the tracker needs 3.35.0 or later" in str(refused.value)


def test_this_machines_sqlite_is_new_enough():
    # The tests and `make run` use it: if it were older, the pass's reads would fail.
    assert sqlite3.sqlite_version_info >= SQLITE_MIN_VERSION
    check_sqlite_version()
