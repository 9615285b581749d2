"""`flask staff create`, and the demo's clinician and second team."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_from, make_team
from tests.team.conftest import database, read
from tracker.auth.passwords import verify_password
from tracker.clock import SYSTEM
from tracker.demo import (
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
    DEMO_TOTP_SECRET,
    OTHER_PATIENT_EMAIL,
    OTHER_TEAM_NAME,
)
from tracker.patients.models import Patient
from tracker.team import totp
from tracker.team.models import Membership, Staff

NEW_PASSWORD = "a long staff password"


def _create(app, *args: str, password: str = NEW_PASSWORD):
    return app.test_cli_runner().invoke(
        args=["staff", "create", *args], input=f"{password}\n{password}\n"
    )


def test_staff_create_makes_the_first_service_admin(app):
    result = _create(app, "--email", "Boss@Example.test", "--name", "Pat Boss", "--service-admin")
    assert result.exit_code == 0, result.output
    assert "Staff member 1 created" in result.output
    assert "QR code" in result.output  # how the second factor will be set up
    assert NEW_PASSWORD not in result.output
    member = read(app, lambda s: s.scalar(select(Staff)))
    assert (member.email, member.is_service_admin, member.totp_enabled_at) == (
        "boss@example.test",
        True,
        None,
    )
    assert verify_password(member.password_hash, NEW_PASSWORD)


STRONG_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits: what `staff create` accepts


def test_staff_create_with_a_team_role_and_secret(app):
    with database(app) as s:
        team_id = make_team(s).id
        s.commit()
    result = _create(
        app,
        *("--email", "jo@example.test", "--name", "Jo"),
        *("--team", str(team_id), "--role", "team_admin", "--totp-secret", STRONG_SECRET),
    )
    assert result.exit_code == 0, result.output
    member = read(app, lambda s: s.scalar(select(Staff)))
    assert member.totp_enabled_at is not None and member.totp_secret == STRONG_SECRET
    role = read(app, lambda s: s.scalar(select(Membership.role)))
    assert role == "team_admin"


def test_staff_create_refuses_mistakes(app):
    short = _create(app, "--email", "jo@example.test", "--name", "Jo", password="short")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    alone = _create(app, "--email", "jo@example.test", "--name", "Jo", "--team", "1")
    assert alone.exit_code != 0 and "--team and --role together" in alone.output
    nowhere = _create(
        app, "--email", "jo@example.test", "--name", "Jo", "--team", "99", "--role", "clinician"
    )
    assert nowhere.exit_code != 0 and "There is no team 99" in nowhere.output
    weak = _create(app, "--email", "jo@example.test", "--name", "Jo", "--totp-secret", "JBSWY3DP")
    assert weak.exit_code != 0 and "at least 112 bits" in weak.output
    assert _create(app, "--email", "jo@example.test", "--name", "Jo").exit_code == 0
    again = _create(app, "--email", "JO@example.test", "--name", "Jo")
    assert again.exit_code != 0 and "already a member of staff" in again.output


def test_the_demo_clinician_signs_in_with_the_published_details(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for published in (DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, DEMO_TOTP_SECRET, OTHER_TEAM_NAME):
        assert published in result.output

    client = app.test_client()
    token = csrf_from(client, "/team/sign-in")
    client.post(
        "/team/sign-in",
        data={"csrf_token": token, "email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD},
    )
    token = csrf_from(client, "/team/sign-in/code")
    code = totp.code_at(DEMO_TOTP_SECRET, SYSTEM.now())
    response = client.post("/team/sign-in/code", data={"csrf_token": token, "code": code})
    assert response.headers["Location"] == "/team/"
    patients = client.get("/team/patients/").get_data(as_text=True)
    assert "Alex Demo" in patients and "Sam Example" not in patients
    sam = read(app, lambda s: s.scalar(select(Patient).where(Patient.email == OTHER_PATIENT_EMAIL)))
    assert sam.team.name == OTHER_TEAM_NAME
    assert client.get(f"/team/patients/{sam.id}").status_code == 404


def test_the_demo_clinician_signs_in_with_the_published_secret(app):
    import pyotp

    from tracker.demo import DEMO_TOTP_SECRET

    assert DEMO_TOTP_SECRET == "JBSWY3DPEHPK3PXP"  # as published in the issue and the README
    assert len(pyotp.TOTP(DEMO_TOTP_SECRET).now()) == 6
