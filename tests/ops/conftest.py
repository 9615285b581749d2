"""Apps on databases in every state a probe must tell apart: migrated, empty, and unreachable."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import BACKENDS, PG_URL, pg_database_name
from tracker import create_app
from tracker.clock import Clock
from tracker.config import for_tests
from tracker.db import drop_database, fresh_database
from tracker.migrate import upgrade

METRICS_TOKEN = "a-scraper-token-of-some-length-0123456789"


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def empty_url(backend, tmp_path) -> Iterator[str]:
    """A database that exists and holds nothing: an empty SQLite file, a new PostgreSQL one."""
    if backend == "sqlite":
        path = tmp_path / "empty.db"
        path.write_bytes(b"")
        yield f"sqlite:///{path}"
        return
    name = pg_database_name("ops")
    yield fresh_database(PG_URL, name)
    drop_database(PG_URL, name)


@pytest.fixture
def migrated_url(empty_url) -> str:
    upgrade(empty_url)
    return empty_url


@pytest.fixture
def stopped_url(backend, tmp_path) -> str:
    """A database that cannot be reached: no server on the port, or no folder for the file."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'tracker.db'}"
    with socket.socket() as sock:  # a port that was free a moment ago, and nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg://tracker:unused@127.0.0.1:{port}/tracker"


def _app(url: str, tmp_path) -> Iterator[Flask]:
    settings = for_tests(url, str(tmp_path / "instance"), web={"metrics_token": METRICS_TOKEN})
    app = create_app(settings, Clock())
    yield app
    # Before the database's fixture drops it: PostgreSQL refuses while a connection is open.
    app.extensions["engine"].dispose()


@pytest.fixture
def migrated_app(migrated_url, tmp_path) -> Iterator[Flask]:
    """An app on a database at the migrations' head, with a metrics token set."""
    yield from _app(migrated_url, tmp_path)


@pytest.fixture
def empty_app(empty_url, tmp_path) -> Iterator[Flask]:
    yield from _app(empty_url, tmp_path)


@pytest.fixture
def stopped_app(stopped_url, tmp_path) -> Iterator[Flask]:
    yield from _app(stopped_url, tmp_path)
