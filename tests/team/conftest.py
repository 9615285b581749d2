"""Two teams, each with staff, a patient and an alert: enough to try every page and every wall.

Data is arranged inside short `app.app_context()` blocks (see tests/auth/conftest.py for why:
the shared `session` fixture's app context would leak Flask-Login's user between clients), and
handed to tests as plain ids in a `World`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from tests.auth.conftest import database, read, text_of
from tests.conftest import PASSWORD, make_patient, make_team
from tracker import db
from tracker.alerts.models import Alert
from tracker.alerts.services import apply_findings
from tracker.auth import passwords
from tracker.auth.sessions import start_session
from tracker.clock import SYSTEM
from tracker.contact_requests import services as contact_requests
from tracker.contact_requests.models import BY_PHONE
from tracker.diary.services import SymptomReport, record_symptoms
from tracker.patients import conditions
from tracker.rules.engine import Finding
from tracker.team import totp
from tracker.team.models import CLINICIAN, TEAM_ADMIN, Membership, QuietSpell, Staff

__all__ = ["PASSWORD", "database", "read", "text_of"]  # re-exported for the tests here

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Each side's patient has this known condition (theirs, to try changing it from our side).
KNOWN_ON_BOTH_SIDES = "fatigue"
_QUICK = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_QUICK_HASH = _QUICK.hash(PASSWORD)
_QUICK_DUMMY = _QUICK.hash("dummy for the tests")


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Argon2id with light settings: these tests are about what happens around the hash."""
    monkeypatch.setattr(passwords, "_hasher", _QUICK)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: _QUICK_DUMMY)


def make_staff(
    s,
    email: str,
    team_id: int | None = None,
    role: str = CLINICIAN,
    name: str = "Jo Nurse",
    secret: str | None = SECRET,
    service_admin: bool = False,
) -> Staff:
    """A member of staff with the test password and (by default) the second factor turned on."""
    member = Staff(
        name=name,
        email=email,
        password_hash=_QUICK_HASH,
        totp_secret=secret,
        totp_enabled_at=SYSTEM.now() if secret else None,
        is_service_admin=service_admin,
    )
    s.add(member)
    s.flush()
    if team_id is not None:
        s.add(Membership(staff_id=member.id, team_id=team_id, role=role))
    s.commit()
    return member


def open_alert(s, patient_id: int, code: str, urgency: str, reasons, days: int = 15) -> int:
    """Open an alert for the patient as detection would, with a prompt queued. Returns its id."""
    today = SYSTEM.today("Europe/London")
    start = today - timedelta(days=days)
    finding = Finding(code, urgency, tuple(reasons), start, today, days, "test", start)
    outcome = apply_findings(s, patient_id, [finding])
    s.commit()
    return outcome.prompts[0].alert_id


def add_alert_row(s, patient_id: int, **given) -> Alert:
    """A `soon` alert on fatigue, raised today, written as a row (not through detection):
    for lists of many. `given` overrides any column."""
    today = SYSTEM.today("Europe/London")
    values = {
        "symptom_code": "fatigue",
        "series": "fatigue",
        "episode_start": today,
        "first_entry": today,
        "last_entry": today,
        "duration_days": 0,
        "urgency": "soon",
        "reasons": "new",
        "rules_version": "test",
    }
    alert = Alert(patient_id=patient_id, **(values | given))
    s.add(alert)
    return alert


@dataclass(frozen=True)
class Side:
    """One team's ids: the team, a clinician, a team admin, a patient and their alert."""

    team: int
    clinician: int
    admin: int
    patient: int
    alert: int
    quiet: int  # a quiet spell of the patient's waiting in the queue
    request: int  # the patient's open request to be contacted


@dataclass(frozen=True)
class World:
    ours: Side
    theirs: Side


def add_side(s, name: str, tag: str) -> Side:
    """A team with a clinician, an admin, a patient with a known condition and two diary entries,
    and an open alert."""
    team = make_team(s, name=name, hospital=f"{name} Hospital")
    s.commit()
    clinician = make_staff(s, f"clinician.{tag}@example.test", team.id, name=f"Clin {tag}")
    admin = make_staff(s, f"admin.{tag}@example.test", team.id, TEAM_ADMIN, name=f"Admin {tag}")
    patient = make_patient(
        s,
        team,
        name=f"Patient {tag}",
        email=f"patient.{tag}@example.test",
        email_consent_at=SYSTEM.now(),
    )
    conditions.add(s, patient, KNOWN_ON_BOTH_SIDES, staff_id=None)
    day = SYSTEM.today("Europe/London") - timedelta(days=3)
    record_symptoms(s, patient, day, [SymptomReport("bone_pain", 6, note="Hurts at night")])
    record_symptoms(s, patient, SYSTEM.today("Europe/London"), [SymptomReport("bone_pain", 7)])
    s.commit()
    alert = open_alert(s, patient.id, "bone_pain", "soon", ("new", "persistent", "worsening"))
    quiet = add_quiet_spell(s, patient.id)
    return Side(team.id, clinician.id, admin.id, patient.id, alert, quiet, add_request(s, patient))


def add_request(s, patient, words: str = "Please call about my back") -> int:
    """An open request to be contacted, as the patient's form would make it. Returns its id."""
    key = f"{patient.id}:{words}"
    asked = contact_requests.Asked([], words, BY_PHONE, "0118 496 0555", "Mornings", key)
    row, _ = contact_requests.make_request(s, patient, asked)
    s.commit()
    return row.id


def add_quiet_spell(s, patient_id: int, days_ago: int = 40) -> int:
    """A quiet spell in the queue, as the quiet job would raise it. Returns its id."""
    today = SYSTEM.today("Europe/London")
    spell = QuietSpell(
        patient_id=patient_id,
        last_heard=today - timedelta(days=days_ago),
        quiet_from=today - timedelta(days=days_ago - 35),
        noted="Feeling sick, last logged 1 October 2026 (not marked as gone)",
        rules_version="test",
    )
    s.add(spell)
    s.commit()
    return spell.id


@pytest.fixture
def world(app) -> World:
    with database(app) as s:
        return World(ours=add_side(s, "Breast Care", "a"), theirs=add_side(s, "Oncology", "b"))


def staff_sign_in_as(client, staff_id: int) -> None:
    """Sign in without the forms (which have their own tests): a real server-side session."""
    with client.application.app_context():
        s = db.session()
        key = start_session(s, s.get(Staff, staff_id))
        s.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = key
        sess["_fresh"] = True


@pytest.fixture
def clinician(app, world):
    """A client signed in as our team's clinician."""
    client = app.test_client()
    staff_sign_in_as(client, world.ours.clinician)
    return client


@pytest.fixture
def team_admin(app, world):
    client = app.test_client()
    staff_sign_in_as(client, world.ours.admin)
    return client


def plain(response) -> str:
    """The page's words without tags, white space made single: for matching what people read."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def code_now() -> str:
    return totp.code_at(SECRET, SYSTEM.now())
