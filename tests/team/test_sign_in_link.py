"""The team sends a patient who cannot get in a new sign-in link (issue 22, item 3): audited, on
the record's trail for the team and the patient, by email and text, and it works once."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from tests.auth.conftest import is_signed_in, sign_in_form
from tests.conftest import PASSWORD, csrf_from
from tests.team.conftest import database, plain
from tracker.auth.models import AccountLink
from tracker.notify import sms_words
from tracker.notify.models import OutboxMessage
from tracker.patients.models import DIED, ENDED, Patient
from tracker.team.models import SIGN_IN_LINK_MADE, StaffAccess

PATH = re.compile(r"/account/reset/[A-Za-z0-9_-]+")


def _send(client, patient_id: int):
    token = csrf_from(client, "/team/patients/enrol")
    return client.post(f"/team/patients/{patient_id}/sign-in-link", data={"csrf_token": token})


def _messages(app) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.variant == "sign_in_link")
    with database(app) as s:
        return list(s.scalars(query.order_by(OutboxMessage.id)))


def test_the_record_offers_a_new_sign_in_link_for_an_account_that_is_set_up(app, clinician, world):
    page = clinician.get(f"/team/patients/{world.ours.patient}").get_data(as_text=True)
    assert f"/team/patients/{world.ours.patient}/sign-in-link" in page
    assert "Send a new sign-in link" in page


def test_a_new_link_is_sent_by_email_and_text_audited_and_sets_a_password(app, clinician, world):
    response = _send(clinician, world.ours.patient)
    assert response.status_code == 200
    shown = plain(response)
    assert "New sign-in link made" in shown and "Only for this patient" in shown
    sent = _messages(app)
    assert sorted((m.channel, m.to_address) for m in sent) == [
        ("email", "patient.a@example.test"),
        ("sms", "+447700900001"),
    ]
    text = next(m for m in sent if m.channel == "sms").body_text
    assert sms_words.is_clean(text)
    path = PATH.search(response.get_data(as_text=True)).group(0)
    assert all(path in m.body_text for m in sent)
    with database(app) as s:
        rows = s.scalars(select(StaffAccess).where(StaffAccess.action == SIGN_IN_LINK_MADE)).all()
        link = s.scalars(select(AccountLink)).one()
        assert [(r.staff_id, r.patient_id, r.detail) for r in rows] == [
            (world.ours.clinician, world.ours.patient, f"link {link.id}")
        ]
        assert path.rsplit("/", 1)[1] not in (rows[0].detail or "")
    # The team's trail and the patient's both say what was done.
    record = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    # The record's trail is grouped by person and day (issue 19, item 6): who, then what, when.
    assert "Clin a, Breast Care" in record
    assert "Sent a new link to get into the account at" in record
    patient_side = app.test_client()
    token = csrf_from(patient_side, path)
    new = "a fresh set of words"
    done = patient_side.post(
        path, data={"password": new, "confirm-password": new, "csrf_token": token}
    )
    assert done.status_code == 302
    assert "Sent you a new link to get into your account" in plain(patient_side.get("/settings/"))
    with database(app) as s:
        assert s.get(Patient, world.ours.patient).password_hash is not None
    assert patient_side.get(path).status_code == 410


def test_a_newer_link_replaces_the_older_one(app, clinician, world):
    first = PATH.search(_send(clinician, world.ours.patient).get_data(as_text=True)).group(0)
    _send(clinician, world.ours.patient)
    assert app.test_client().get(first).status_code == 410


def test_the_patients_password_stays_until_they_use_the_link(app, clinician, world):
    _send(clinician, world.ours.patient)
    client = app.test_client()
    sign_in_form(client, "patient.a@example.test", PASSWORD)
    assert is_signed_in(client)


def test_no_link_for_an_account_not_set_up_or_closed(app, clinician, world):
    with database(app) as s:
        s.execute(
            update(Patient).where(Patient.id == world.ours.patient).values(password_hash=None)
        )
        s.commit()
    assert _send(clinician, world.ours.patient).status_code == 404
    with database(app) as s:
        s.execute(
            update(Patient)
            .where(Patient.id == world.ours.patient)
            .values(password_hash="x", monitoring_status=ENDED, ended_reason=DIED)
        )
        s.commit()
    assert _send(clinician, world.ours.patient).status_code == 404
    assert _messages(app) == []


def test_another_teams_patient_is_a_404(app, clinician, world):
    assert _send(clinician, world.theirs.patient).status_code == 404
    assert _messages(app) == []
