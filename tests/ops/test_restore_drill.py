"""The restore drill (PostgreSQL only): dump with deploy/pg-backup.sh while patients are saving
diary entries through the app, restore into a fresh database, run `db check`, find exactly the
rows of the dump's snapshot, and serve from the copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, make_patient, pg_database_name, sign_in_as
from tests.diary.test_logging import log_form, save
from tracker import create_app
from tracker.clock import Clock
from tracker.config import for_tests
from tracker.db import drop_database, fresh_database
from tracker.diary.models import DiaryEntry
from tracker.migrate import upgrade

PROJECT = Path(__file__).resolve().parents[2]
BACKUP = PROJECT / "deploy" / "pg-backup.sh"

pytestmark = pytest.mark.skipif(not PG_URL, reason="pg_dump and pg_restore are PostgreSQL's")


@pytest.fixture
def source(tmp_path):
    """A migrated database, and an app on it with one signed-in patient's client."""
    name = pg_database_name("drill")
    url = fresh_database(PG_URL, name)
    upgrade(url)
    app = create_app(for_tests(url, str(tmp_path / "source")), Clock())
    yield app
    app.extensions["engine"].dispose()
    drop_database(PG_URL, name)


@pytest.fixture
def copy_url():
    name = pg_database_name("drill_copy")
    url = fresh_database(PG_URL, name)
    yield url
    drop_database(PG_URL, name)


def _counts(conn) -> dict[str, int]:
    tables = inspect(conn).get_table_names()
    assert "diary_entries" in tables and "alembic_version" in tables
    return {t: conn.scalar(select(func.count()).select_from(table(t))) for t in sorted(tables)}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # CI installs the client tools (.ci/run): a missing one is a failure there
        pytest.fail(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def test_a_dump_taken_during_saves_restores_to_a_working_copy(source, copy_url, tmp_path):
    _tool("pg_dump")
    pg_restore = _tool("pg_restore")
    sessions = source.extensions["sessionmaker"]
    with sessions() as s:
        patient = make_patient(s)
    client = source.test_client()
    sign_in_as(client, patient)
    saved = threading.Event()
    stop = threading.Event()
    statuses: list[int] = []

    def keep_saving() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            form = log_form({"cough": {"severity": str(1 + n % 9), "note": f"entry {n}"}})
            statuses.append(save(client, form).status_code)
            saved.set()

    saver = threading.Thread(target=keep_saving, daemon=True)
    saver.start()
    try:
        assert saved.wait(timeout=60), "no save went through"
        # The dump's own snapshot, exported from a transaction that counts every table in it:
        # pg_dump --snapshot reads exactly what these counts saw, while the saves go on.
        engine = source.extensions["engine"]
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            expected = _counts(conn)
            before_dump = len(statuses)
            env = {**os.environ, "TRACKER_DATABASE_URL": _libpq(source)}
            done = subprocess.run(
                [str(BACKUP), str(tmp_path / "dumps"), f"--snapshot={snapshot}"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            during_dump = len(statuses) - before_dump
            conn.rollback()
        # A few more saves after the dump, so the source is surely ahead of the snapshot.
        after_dump = len(statuses)
        while len(statuses) < after_dump + 2 and saver.is_alive():
            saved.clear()
            saved.wait(timeout=30)
    finally:
        stop.set()
        saver.join(timeout=60)
    assert done.returncode == 0, done.stderr
    dump = Path(done.stdout.strip())
    assert dump.is_file() and dump.stat().st_mode & 0o077 == 0  # the owner's alone
    assert set(statuses) == {302}, "every save went through"
    assert during_dump >= 1, "no diary save ran while the dump did"
    assert expected["diary_entries"] >= 1
    with sessions() as s:  # the source moved on past the snapshot; the copy must not have
        assert len(s.scalars(select(DiaryEntry.id)).all()) > expected["diary_entries"]

    restored = subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={_libpq_url(copy_url)}", dump],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr

    copy = create_app(for_tests(copy_url, str(tmp_path / "copy")), Clock())
    try:
        checked = copy.test_cli_runner().invoke(args=["db", "check"])
        assert checked.exit_code == 0, checked.output
        with copy.extensions["engine"].connect() as conn:
            assert _counts(conn) == expected
        ready = copy.test_client().get("/readyz")
        assert ready.status_code == 200, ready.get_json()
    finally:
        copy.extensions["engine"].dispose()


def _libpq(app) -> str:
    return _libpq_url(app.extensions["engine"].url.render_as_string(hide_password=False))


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
