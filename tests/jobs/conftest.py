"""Fixtures for the jobs: the app's sessions, and databases of their own for real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from tests.conftest import BACKENDS, PG_URL, pg_database_name
from tracker.db import drop_database, fresh_database, make_engine
from tracker.migrate import upgrade

PROJECT = Path(__file__).resolve().parents[2]
# Named after the test database (tracker_test_jobs for tracker_test, tracker_test_gw0_jobs in
# xdist's worker gw0), so that neither two workers nor two checkouts testing against different
# databases on one server drop each other's.
PG_JOBS_DATABASE = pg_database_name("jobs") if PG_URL else None


@pytest.fixture
def sessions(app):
    """The app's session factory, as the detection pass takes it."""
    return app.extensions["sessionmaker"]


@pytest.fixture(params=BACKENDS)
def own_database(request, tmp_path):
    """A migrated database that other processes can open: (url, session factory)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobs.db'}"
    else:
        url = fresh_database(PG_URL, PG_JOBS_DATABASE)
    upgrade(url)
    engine = make_engine(url)
    yield url, sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()
    if request.param == "postgresql":
        drop_database(PG_URL, PG_JOBS_DATABASE)


@pytest.fixture
def pg_database():
    """A migrated PostgreSQL database of this module's own, or a skip when there is none."""
    if not PG_URL:
        pytest.skip("needs PostgreSQL: set TRACKER_TEST_DATABASE_URL")
    url = fresh_database(PG_URL, PG_JOBS_DATABASE)
    upgrade(url)
    engine = make_engine(url)
    yield url, sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()
    drop_database(PG_URL, PG_JOBS_DATABASE)


def process_env(url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment for a child process of the service on database `url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_DATABASE_URL=url,
        TRACKER_INSTANCE_PATH=str(instance),
        PYTHONPATH=str(PROJECT),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    env.pop("WERKZEUG_RUN_MAIN", None)
    return env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A child Python process in the project directory, its output captured as text."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
