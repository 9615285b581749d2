"""/healthz answers whenever the process does; /readyz only when the database answers and its
schema is at the migrations' head. Neither needs a sign-in, sets a cookie or writes a row."""

from __future__ import annotations

import socket
import time

from sqlalchemy import func, select, text

from tracker import create_app
from tracker.clock import Clock
from tracker.config import for_tests
from tracker.models import Base
from tracker.ops.health import BEHIND, NOT_MIGRATED, UNREACHABLE


def test_healthz_answers_ok_without_a_session(stopped_app):
    # The database is not even looked at: the process is alive while it is down.
    client = stopped_app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_on_a_migrated_database(migrated_app):
    app = migrated_app
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}
    assert "Set-Cookie" not in response.headers


def test_readyz_writes_no_row(migrated_app):
    app = migrated_app
    app.test_client().get("/readyz")
    with app.extensions["engine"].connect() as conn:
        for table in Base.metadata.sorted_tables:
            assert conn.scalar(select(func.count()).select_from(table)) == 0, table.name


def test_readyz_is_503_on_an_unmigrated_database(empty_app):
    response = empty_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": NOT_MIGRATED}


def test_readyz_is_503_on_a_stopped_database(stopped_app):
    response = stopped_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": UNREACHABLE}
    # Fixed words only: the driver's message (host, port, user) stays out of the answer.
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_readyz_is_503_on_a_database_a_migration_behind(migrated_app):
    app = migrated_app
    with app.extensions["engine"].begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'e5b2c8d40a17'"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == BEHIND


def test_readyz_gives_up_on_a_postgresql_server_that_never_answers(tmp_path):
    # A port that takes the connection and then says nothing, like a server behind a dropped
    # route: without a connect timeout, libpq (and the probe, and a worker's thread) would wait
    # for ever.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        url = f"postgresql+psycopg://tracker:unused@127.0.0.1:{port}/tracker"
        app = create_app(for_tests(url, str(tmp_path / "instance")), Clock())
        started = time.monotonic()
        response = app.test_client().get("/readyz")
        waited = time.monotonic() - started
        app.extensions["engine"].dispose()
    assert response.status_code == 503
    assert response.get_json()["reason"] == UNREACHABLE
    assert waited < 30


def test_the_suites_own_database_is_ready(client):
    # The shared fixture's database is built from the models and stamped at the head.
    assert client.get("/readyz").get_json() == {"status": "ready"}
