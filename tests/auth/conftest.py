"""Helpers for the sign-in tests.

These tests arrange and check data inside short `app.app_context()` blocks rather than through
the shared `session` fixture. While that fixture's app context is open, Flask reuses it for
every test-client request, so `g` (with Flask-Login's signed-in user and the database session)
would carry over from one request, and one client, to the next: exactly what sign-in and
sign-out tests must not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, csrf_from, make_patient, make_team
from tracker import create_app, db
from tracker.auth import passwords
from tracker.config import for_tests

COOKIE = "tracker_session"


# Still argon2id, with far lighter settings: these tests are about what happens around the
# hash, and at the service's real cost each of the many sign-ins here would take a tenth of a
# second. test_passwords.py checks the real settings.
REAL_HASHER = passwords._hasher  # kept before any test swaps it, for test_passwords.py
REAL_DUMMY_HASH = passwords._dummy_hash  # likewise
_QUICK = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_QUICK_HASH = _QUICK.hash(PASSWORD)
_QUICK_DUMMY = _QUICK.hash("dummy for the tests")


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", _QUICK)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: _QUICK_DUMMY)


@dataclass(frozen=True)
class Account:
    """A patient made for a test, by value: no database session is kept open."""

    id: int
    email: str
    team_id: int
    password: str = PASSWORD


@contextmanager
def database(app) -> Iterator[Session]:
    """A database session in a context of its own, closed (and so up to date) after the block."""
    with app.app_context():
        yield db.session()


def read(app, query: Callable[[Session], Any]) -> Any:
    """The result of `query` run in a fresh session: what the database holds now."""
    with database(app) as s:
        return query(s)


@pytest.fixture
def team_id(app) -> int:
    with database(app) as s:
        team = make_team(s)
        s.commit()
        return team.id


@pytest.fixture
def account(app, team_id) -> Account:
    with database(app) as s:
        from tracker.team.models import Team

        patient = make_patient(
            s, s.get(Team, team_id), email="sam@example.test", password_hash=_QUICK_HASH
        )
        return Account(id=patient.id, email=patient.email, team_id=team_id)


def sign_in_form(client, email: str, password: str, next_: str | None = None, **kwargs):
    """Fill in and send the sign-in form, as a browser would (CSRF token from the page)."""
    page = "/sign-in" if next_ is None else f"/sign-in?next={next_}"
    token = csrf_from(client, page)
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post(page, data=data, **kwargs)


def session_cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def is_signed_in(client) -> bool:
    """True if the diary opens for this client (rather than sending it to sign in)."""
    response = client.get("/diary/")
    return response.status_code == 200


def text_of(response) -> str:
    """The page's text with runs of white space made single, for matching sentences."""
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build more apps on the same database (another worker, or other settings)."""
    made = []

    def build(**overrides):
        extra = create_app(
            for_tests(database_url, str(tmp_path / f"instance-{len(made)}"), **overrides)
        )
        made.append(extra)
        return extra

    yield build
    for extra in made:
        extra.extensions["engine"].dispose()
