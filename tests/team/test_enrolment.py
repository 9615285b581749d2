"""A clinician enrols a patient; the patient completes that same record from the link, once."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.auth.conftest import sign_in_form
from tests.conftest import csrf_from
from tests.inputs.conftest import error_beside
from tests.team.conftest import database, plain, read, text_of
from tracker.auth import invitations
from tracker.auth.models import Invitation
from tracker.clock import SYSTEM
from tracker.notify.models import INVITATION, OutboxMessage
from tracker.patients.models import KnownCondition, KnownConditionChange, Patient
from tracker.team.models import StaffAccess

NEW_PASSWORD = "three plain words"
# From the 999 range, which no real patient has; typed with spaces, as on a letter.
ALEX_NHS_NUMBER = "999 000 0018"


def _enrol(client, world, **changes):
    data = {
        "team": str(world.ours.team),  # a hidden field when the member has one team
        "name": "Alex Example",
        "nhs_number": ALEX_NHS_NUMBER,
        "dob[day]": "15",
        "dob[month]": "3",
        "dob[year]": "1964",
        "email": "Alex@Example.test",
        "mobile": "07700 900 321",
        "conditions": ["fatigue", "lymphoedema"],
    }
    data.update(changes)
    data["csrf_token"] = csrf_from(client, "/team/patients/new")
    return client.post("/team/patients/new", data=data)


def _link(app, response) -> str:
    """The sign-up link, from the invitation the enrolment queued for the patient."""
    assert response.status_code in (200, 302), response.status_code
    message = read(
        app,
        lambda s: s.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.kind == INVITATION)
            .order_by(OutboxMessage.id.desc())
        ),
    )
    assert message is not None, "no invitation was queued"
    match = re.search(r"http://localhost(/join/[A-Za-z0-9_-]+)", message.body_text)
    assert match, "no link in the invitation"
    return match.group(1)


def _join(client, path: str, **changes):
    data = {
        "name": "Alex Example",
        "email": "alex@example.test",
        "mobile": "07700 900 321",
        "reminders": ["email", "sms"],
        "password": NEW_PASSWORD,
        "confirm-password": NEW_PASSWORD,
        "csrf_token": csrf_from(client, path),
    }
    data.update(changes)
    return client.post(path, data=data)


def _alex(app) -> Patient:
    return read(
        app, lambda s: s.scalar(select(Patient).where(Patient.email == "alex@example.test"))
    )


def test_enrolling_creates_the_patient_and_sends_the_link_through_the_outbox(app, clinician, world):
    response = _enrol(clinician, world)
    assert response.status_code == 200
    body = plain(response)
    assert "Patient added" in body and "Give the patient this link" not in body
    alex = _alex(app)
    assert alex.team_id == world.ours.team
    assert alex.password_hash is None and alex.email_consent_at is None
    assert alex.mobile == "+447700900321"
    conditions = read(
        app,
        lambda s: s.execute(
            select(
                KnownCondition.symptom_code, KnownCondition.set_by_staff_id, KnownCondition.until
            )
            .where(KnownCondition.patient_id == alex.id)
            .order_by("symptom_code")
        ).all(),
    )
    # Set by the clinician who enrolled the patient, with no end date, and each on record.
    clinician_id = world.ours.clinician
    assert conditions == [("fatigue", clinician_id, None), ("lymphoedema", clinician_id, None)]
    history = read(
        app,
        lambda s: s.execute(
            select(KnownConditionChange.symptom_code, KnownConditionChange.action)
            .where(KnownConditionChange.patient_id == alex.id)
            .order_by("symptom_code")
        ).all(),
    )
    assert history == [("fatigue", "added"), ("lymphoedema", "added")]
    invitation = read(app, lambda s: s.scalar(select(Invitation)))
    assert invitation.patient_id == alex.id and invitation.team_id == world.ours.team
    assert _link(app, response).split("/join/")[1] not in invitation.token_hash
    actions = read(
        app, lambda s: s.scalars(select(StaffAccess.action).order_by(StaffAccess.id)).all()
    )
    assert actions == ["enrolled", "invitation_made"]


def test_a_link_token_that_spells_a_health_word_is_drawn_again(app, clinician, world, monkeypatch):
    # The draw that once made this enrolment fail: "_gp_" cannot go in a text.
    start, end = "dVR-cJsHE0WvBeKC0x1ScNEGAnS", "2w74XpBn_Plk"
    draws = iter([f"{start}_gp_{end}", f"{start}_8p_{end}"])
    monkeypatch.setattr(invitations, "_draw", lambda: next(draws))
    response = _enrol(clinician, world)
    assert response.status_code == 200 and "Patient added" in plain(response)
    assert _link(app, response) == f"/join/{start}_8p_{end}"
    assert "_gp_" not in read(app, lambda s: s.scalar(select(OutboxMessage.body_text)))


def test_the_link_completes_the_enrolled_patients_own_record(app, clinician, world):
    path = _link(app, _enrol(clinician, world))
    patient = app.test_client()
    page = patient.get(path)
    assert page.status_code == 200
    assert 'value="Alex Example"' in text_of(page) and 'value="alex@example.test"' in text_of(page)
    assert "Breast Care" in text_of(page)

    response = _join(patient, path, name="Alex J Example")
    assert response.status_code == 302 and response.headers["Location"] == "/diary/"
    assert patient.get("/diary/").status_code == 200
    assert (
        read(app, lambda s: s.scalar(select(func.count()).select_from(Patient))) == 3
    )  # no new one
    alex = _alex(app)
    assert alex.name == "Alex J Example"
    assert alex.password_hash is not None
    assert alex.email_consent_at is not None and alex.sms_consent_at is not None
    invitation = read(app, lambda s: s.scalar(select(Invitation)))
    assert invitation.used_at is not None and invitation.used_by_patient_id == alex.id


def test_the_link_used_twice_is_refused_with_a_clear_page(app, clinician, world):
    path = _link(app, _enrol(clinician, world))
    assert _join(app.test_client(), path).status_code == 302
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "This link has already been used" in plain(again)


def test_an_expired_link_is_refused_with_a_clear_page(app, clinician, world):
    path = _link(app, _enrol(clinician, world))
    with database(app) as s:
        s.execute(update(Invitation).values(expires_at=SYSTEM.now() - timedelta(minutes=1)))
        s.commit()
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "This link has expired" in plain(response)
    assert "ask your treating team to send you a new link" in plain(response)


def test_a_new_link_replaces_the_old_one(app, clinician, world):
    old = _link(app, _enrol(clinician, world))
    alex = _alex(app)
    token = csrf_from(clinician, f"/team/patients/{alex.id}")
    response = clinician.post(f"/team/patients/{alex.id}/invitation", data={"csrf_token": token})
    assert response.status_code == 200 and "New link made" in plain(response)
    new = _link(app, response)
    assert app.test_client().get(old).status_code == 410
    assert _join(app.test_client(), new).status_code == 302


def test_no_new_link_once_the_account_is_set_up(app, clinician, world):
    token = csrf_from(clinician, f"/team/patients/{world.ours.patient}")
    response = clinician.post(
        f"/team/patients/{world.ours.patient}/invitation", data={"csrf_token": token}
    )
    assert response.status_code == 404


def test_mistakes_are_shown_beside_the_fields_with_what_was_typed(app, clinician, world):
    response = _enrol(
        clinician, world, name="", email="not an email", mobile="12", conditions=["jaundice"]
    )
    assert response.status_code == 400
    body = text_of(response)
    assert "Enter the patient&#39;s name" in body or "Enter the patient's name" in body
    assert "in the correct format" in body
    assert 'value="not an email"' in body and 'value="12"' in body
    assert "Select known conditions from the list" in body
    assert read(app, lambda s: s.scalar(select(func.count()).select_from(Invitation))) == 0


def test_an_email_already_in_use_is_refused(app, clinician, world):
    response = _enrol(clinician, world, email="patient.b@example.test")
    assert response.status_code == 400
    assert "already used by a diary account" in plain(response)


def test_a_clinician_cannot_enrol_into_another_team(app, clinician, world):
    response = _enrol(clinician, world, team=str(world.theirs.team))
    assert response.status_code == 400
    assert "Select the patient" in plain(response)
    assert _alex(app) is None


def test_an_enrolled_patient_cannot_sign_in_before_setting_up(app, clinician, world):
    _enrol(clinician, world)
    assert sign_in_form(app.test_client(), "alex@example.test", "").status_code == 400


# ---- NHS number and date of birth (issue 19, item 17) ------------------------------------------


def test_the_nhs_number_and_date_of_birth_are_stored_and_shown_on_the_record_and_queue(
    app, clinician, world
):
    assert _enrol(clinician, world).status_code == 200
    alex = _alex(app)
    assert alex.nhs_number == "9990000018"  # the digits only, whatever spaces were typed
    assert alex.date_of_birth.isoformat() == "1964-03-15"
    record = plain(clinician.get(f"/team/patients/{alex.id}"))
    assert "NHS number 999 000 0018" in record or "999 000 0018" in record
    assert "15 March 1964" in record
    roster = plain(clinician.get("/team/patients/"))
    assert "999 000 0018" in roster and "15 March 1964" in roster


def test_two_patients_with_one_name_are_told_apart_in_the_queue(app, clinician, world):
    with database(app) as s:
        ours = s.get(Patient, world.ours.patient)
        ours.nhs_number, ours.date_of_birth = "9990000026", SYSTEM.today("UTC").replace(year=1970)
        s.commit()
    queue_page = plain(clinician.get("/team/"))
    assert "NHS number 999 000 0026" in queue_page
    assert "Born " in queue_page and "1970" in queue_page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the patient's NHS number"),
        ("999 000 001", "must be 10 numbers"),
        ("999 000 0019", "not a valid NHS number"),  # the check digit is 8
        ("999-000-001X", "must be 10 numbers"),
    ],
)
def test_a_wrong_nhs_number_is_refused_beside_the_field_with_what_was_typed(
    app, clinician, world, typed, message
):
    response = _enrol(clinician, world, nhs_number=typed)
    assert response.status_code == 400
    said = error_beside(response.get_data(as_text=True), "nhs_number").replace("&#39;", "'")
    assert message in said
    assert f'value="{typed}"' in response.get_data(as_text=True)
    assert _alex(app) is None


def test_an_nhs_number_already_in_the_service_is_refused_whichever_team_has_it(
    app, clinician, world
):
    with database(app) as s:
        s.get(Patient, world.theirs.patient).nhs_number = "9990000018"
        s.commit()
    response = _enrol(clinician, world)
    assert response.status_code == 400
    said = error_beside(response.get_data(as_text=True), "nhs_number")
    assert "already in the diary service" in said
    assert "Oncology" not in said and "Patient b" not in said  # whose it is stays unsaid
    assert _alex(app) is None


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter the patient's date of birth"),
        ("31", "2", "1964", "must be a real date"),
        ("1", "1", "2099", "must be in the past"),
        ("1", "1", "1890", "within the last 120 years"),
        ("1", "1", "2020", "16 or older"),
        ("1", "1", "64", "4-digit year"),
    ],
)
def test_a_wrong_date_of_birth_is_refused_beside_the_field_with_what_was_typed(
    app, clinician, world, day, month, year, message
):
    typed = {"dob[day]": day, "dob[month]": month, "dob[year]": year}
    response = _enrol(clinician, world, **typed)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in error_beside(body, "dob").replace("&#39;", "'")
    if year:
        assert f'value="{year}"' in body
    assert _alex(app) is None


def test_the_nhs_number_is_never_logged(app, clinician, world, caplog):
    with caplog.at_level(logging.DEBUG):
        _enrol(clinician, world)
        _enrol(clinician, world, email="other@example.test")  # refused: the number is taken
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "9990000018" not in logged and "999 000 0018" not in logged
