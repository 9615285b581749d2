"""What the database layer checks before the service starts, and how a request's session ends."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, insert, select, text

from tests.conftest import TEAM_FIELDS
from tracker import db
from tracker.db import SQLITE_MIN_VERSION, check_sqlite_version
from tracker.security import public
from tracker.team.models import Team


def test_an_sqlite_too_old_for_the_detection_pass_is_refused_at_start_up_saying_why():
    with pytest.raises(RuntimeError) as refused:
        check_sqlite_version((3, 34, 1))
    assert "SQLite is version 3.34.1; the tracker needs 3.35.0 or later" in str(refused.value)


def test_this_machines_sqlite_is_new_enough():
    # The tests and `make run` use it: if it were older, the pass's reads would fail.
    assert sqlite3.sqlite_version_info >= SQLITE_MIN_VERSION
    check_sqlite_version()


# How a request's database session ends: a request that only read commits (so that psycopg
# keeps its prepared statements); anything else is rolled back, as before.


def _app_with_routes(app):
    """The app with routes that read, or write without committing, through the request's
    session."""

    @app.get("/_test/read")
    @public
    def read():
        return str(db.session().scalar(select(func.count()).select_from(Team)))

    @app.get("/_test/write/<how>")
    @public
    def write_without_committing(how):
        s = db.session()
        s.scalar(select(func.count()).select_from(Team))  # a read first, as a page would
        if how == "core":
            s.execute(insert(Team).values(**TEAM_FIELDS))
        elif how == "added":
            s.add(Team(**TEAM_FIELDS))
        elif how == "flushed":
            s.add(Team(**TEAM_FIELDS))
            s.flush()
        elif how == "then_failed":
            s.add(Team(**TEAM_FIELDS))
            s.flush()
            raise RuntimeError("the view failed after writing")
        return "not committed"

    return app


@pytest.mark.parametrize("how", ["core", "added", "flushed", "then_failed"])
def test_what_a_request_wrote_but_did_not_commit_is_not_saved(app, session, how):
    client = _app_with_routes(app).test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the failing view answers 500, as in service
    answer = client.get(f"/_test/write/{how}")
    assert answer.status_code == (500 if how == "then_failed" else 200)
    assert session.scalar(select(func.count()).select_from(Team)) == 0
    # The connection is clean for the next request: it reads, and finds nothing left over.
    assert client.get("/_test/read").get_data(as_text=True) == "0"


def test_a_request_that_only_read_keeps_the_statements_psycopg_prepared(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are PostgreSQL's")
    client = _app_with_routes(app).test_client()
    for _ in range(8):  # psycopg prepares a statement on its sixth run on a connection
        assert client.get("/_test/read").status_code == 200
    engine = app.extensions["engine"]
    assert engine.pool.checkedin() == 1  # one connection served every request
    with engine.connect() as conn:
        prepared = conn.scalar(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%teams%'")
        )
    # Had each request ended in ROLLBACK, psycopg would have forgotten the count each time.
    assert prepared == 1
