"""Shared fixtures: an app on a clean database per test, on SQLite and (when configured) PostgreSQL.

Set TRACKER_TEST_DATABASE_URL to a PostgreSQL URL and every database-backed test runs twice,
once per backend (test ids end in [sqlite] or [postgresql]).

Under pytest-xdist (`make test` runs `pytest -n auto`) every worker process has databases of its
own: its SQLite files are under its own tmp_path_factory, and on PostgreSQL it makes its own
databases, named after TRACKER_TEST_DATABASE_URL's (see `pg_database_name`).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import socket
from datetime import date

import pytest
from alembic import command
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict

from tracker import clock as tracker_clock
from tracker import config, create_app, db
from tracker.auth.passwords import hash_password
from tracker.auth.sessions import start_session
from tracker.clock import Clock
from tracker.config import for_tests
from tracker.db import drop_database, fresh_database, make_engine
from tracker.migrate import alembic_config
from tracker.models import Base
from tracker.patients.models import Patient
from tracker.team.models import Team

# Speed is measured in bench/, not here: a per-example deadline would be a timed test that fails
# on a busy machine. print_blob lets a failure seen only in CI be replayed with @reproduce_failure.
settings.register_profile("tracker", deadline=None, print_blob=True)
settings.load_profile("tracker")

PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# The xdist worker this process is ("gw0", "gw1", ...), or None when pytest runs alone (-n0).
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def pg_database_name(purpose: str = "") -> str:
    """The name of a PostgreSQL database of this test process's own, after PG_URL's database.

    For tracker_test: tracker_test itself, or tracker_test_jobs for a `purpose` of "jobs"; under
    xdist tracker_test_gw0 and tracker_test_gw0_jobs, so that two workers never drop each other's
    database (and two checkouts testing against different databases never do either).
    """
    return "_".join(part for part in (make_url(PG_URL).database, WORKER, purpose) if part)


# Hashing with argon2 is deliberately slow; most tests only need some valid hash.
PASSWORD = "correct horse battery"
_HASH = hash_password(PASSWORD)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Fail any test that tries to reach beyond this machine."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        inet = sock.family in (socket.AF_INET, socket.AF_INET6)
        named = isinstance(host, str)
        loopback = named and (host.startswith("127.") or host in ("::1", "localhost"))
        if inet and named and not loopback:
            raise AssertionError(f"test tried to reach {host}: only loopback is allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


# What must never reach a log: email addresses and phone numbers (UK national or E.164).
_PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+"  # an email address
    r"|\+\d{10,15}\b"  # an E.164 number
    r"|\b0\d{3,4}[ ]?\d{3}[ ]?\d{3,4}\b"  # a UK number as people write it
)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += "\n" + record.exc_text
        self.texts.append(f"{record.name}: {text}")


@pytest.fixture(autouse=True)
def _no_personal_details_in_logs():
    """Every test doubles as a check that nothing it caused to be logged names a person."""
    collector = _Collect()
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(collector)
        root.setLevel(previous_level)
    leaks = [t for t in collector.texts if _PERSONAL.search(t)]
    assert not leaks, f"personal details reached the logs: {leaks[:3]}"


@pytest.fixture(scope="session")
def pg_worker_url():
    """PG_URL itself; under xdist, a fresh database of this worker's own, dropped at the end."""
    if not (PG_URL and WORKER):
        yield PG_URL
        return
    name = pg_database_name()
    yield fresh_database(PG_URL, name)
    drop_database(PG_URL, name)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = request.getfixturevalue("pg_worker_url")
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    if request.param == "postgresql":
        with engine.begin() as conn:  # a run of the migration test may have left its table
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    Base.metadata.create_all(engine)
    engine.dispose()
    # Built from the models, which tests/test_migrations.py holds equal to the migrations' head:
    # recorded as at the head, as `flask db upgrade` would leave it, so /readyz finds it ready.
    command.stamp(alembic_config(url), "head")
    yield url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(for_tests(database_url, str(tmp_path / "instance")), Clock())
    yield app
    _empty_all_tables(app)


@pytest.fixture
def clock(app) -> Clock:
    """The app's clock: the system's until a test sets it (`clock.set(...)`)."""
    return tracker_clock.of(app)


def reconfigure(app, **areas) -> None:
    """Change an app's settings after it was built: `reconfigure(app, web={"open_signup": False})`.

    For settings read as they are used; those the factory acts on need an app of their own.
    """
    app.extensions[config.EXTENSION] = config.changed(config.of(app), **areas)


def _empty_all_tables(app) -> None:
    engine = app.extensions["engine"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """A database session of the test's own, for arranging and checking data.

    It pushes no app context on purpose: while one is pushed, Flask lends it to every test-client
    request, and the signed-in user and the request's database session would leak between them.
    """
    s = app.extensions["sessionmaker"]()
    yield s
    s.close()


# A team's details, as make_team gives them.
TEAM_FIELDS = dict(
    name="Breast Care Team",
    hospital="Example Hospital",
    phone="0118 496 0000",
    email="team@example.test",
    hours="Monday to Friday, 9am to 5pm",
    out_of_hours="Call NHS 111. In an emergency, call 999.",
)


def make_team(s, **overrides) -> Team:
    team = Team(**(TEAM_FIELDS | overrides))
    s.add(team)
    s.flush()
    return team


_EMAIL_NUMBERS = itertools.count(1)


def make_patient(s, team: Team | None = None, **overrides) -> Patient:
    team = team or make_team(s)
    fields = dict(
        team_id=team.id,
        name="Sam Patient",
        email=f"sam{next(_EMAIL_NUMBERS)}@example.test",
        mobile="+447700900001",
        timezone="Europe/London",
        enrolled_on=date(2026, 1, 1),
        password_hash=_HASH,
    )
    fields.update(overrides)
    patient = Patient(**fields)
    s.add(patient)
    s.commit()
    return patient


@pytest.fixture
def patient(session):
    return make_patient(session, email="sam@example.test")


def sign_in_as(client, patient: Patient) -> None:
    """Sign in without the sign-in form (which has its own tests): a real server-side session."""
    with client.application.app_context():
        key = start_session(db.session(), patient)
        db.session().commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = key
        sess["_fresh"] = True


@pytest.fixture
def patient_client(client, patient):
    sign_in_as(client, patient)
    return client


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client, page: str) -> str:
    """The CSRF token from a form on `page`, as a browser would have it."""
    response = client.get(page)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no form with a CSRF token on {page} (status {response.status_code})"
    return match.group(1)


def post_form(client, page: str, data: dict | list, action: str | None = None, **kwargs):
    """GET `page`, then POST `data` with its CSRF token to `action` (default: the same page)."""
    token = csrf_from(client, page)
    form = MultiDict(list(data.items()) if isinstance(data, dict) else data)
    form.add("csrf_token", token)
    return client.post(action or page, data=form, **kwargs)
