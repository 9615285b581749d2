"""What every bad-input test needs: the team side's world, and the database as plain values.

The team fixtures live in tests/team/conftest.py; importing them here makes them fixtures of
this folder too (quick_hashing is autouse, as there).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from tests.team.conftest import (  # noqa: F401 (fixtures)
    World,
    clinician,
    database,
    make_staff,
    quick_hashing,
    staff_sign_in_as,
    team_admin,
    world,
)
from tracker import config, db
from tracker.auth.sessions import start_session
from tracker.models import Base
from tracker.patients.models import Patient


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: equal snapshots mean nothing was written."""
    with database(app) as s:
        tables = {}
        for table in Base.metadata.sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            tables[table.name] = [tuple(row) for row in s.execute(select(table).order_by(*key))]
        return tables


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def error_beside(body: str, field_id: str) -> str:
    """The error message the design system renders beside the field (or group) `field_id`."""
    pattern = r'id="' + re.escape(field_id) + r'-error">\s*<span[^>]*>Error:\s*</span>(.*?)</span>'
    match = re.search(pattern, body, re.S)
    assert match, f"no error message beside {field_id}"
    return re.sub(r"\s+", " ", match.group(1)).strip()


@pytest.fixture
def service_admin(app, world: World):  # noqa: F811 (the fixture)
    """A client signed in as a service administrator (the directory's pages)."""
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", name="Alex Directory", service_admin=True).id
    client = app.test_client()
    staff_sign_in_as(client, boss)
    return client


def sign_in_patient(client, app, patient_id: int) -> None:
    """As tests.conftest.sign_in_as, for a patient known by id (the team world's)."""
    with app.app_context():
        key = start_session(db.session(), db.session().get(Patient, patient_id))
        db.session().commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = key
        sess["_fresh"] = True


def signed_post(client, path: str, form: dict | list, query: str = ""):
    """POST `form` to a Twilio webhook, signed as Twilio signs it (the app's auth token)."""
    settings = config.of(client.application)
    url = settings.web.public_url + path + (f"?{query}" if query else "")
    pairs = list(form.items()) if isinstance(form, dict) else list(form)
    params = MultiDict(pairs)
    signature = RequestValidator(settings.notify.twilio_auth_token).compute_signature(url, params)
    return client.post(
        path + (f"?{query}" if query else ""),
        data=urlencode(pairs),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


# Filled by the fuzzing test (test_fuzz.py), per database, and shown in the terminal summary.
FIGURES: dict[str, dict[str, object]] = {}


def pytest_terminal_summary(terminalreporter):
    for backend, figures in FIGURES.items():
        shown = ", ".join(f"{k}: {v}" for k, v in figures.items())
        terminalreporter.write_line(f"fuzzing every route on {backend}: {shown}")
