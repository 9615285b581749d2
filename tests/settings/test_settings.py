"""The patient's settings: contact details, time zone and known conditions."""

from __future__ import annotations

import re

from tests.conftest import make_patient, post_form
from tracker.patients.models import Patient


def details(**overrides):
    data = {
        "name": "Sam Patient",
        "email": "sam@example.test",
        "mobile": "07700 900 456",
        "timezone": "Europe/London",
    }
    data.update(overrides)
    return data


def test_details_are_saved_normalised(patient_client, session, patient):
    response = post_form(
        patient_client,
        "/settings/details",
        details(email=" Sam.New@Example.TEST ", timezone="Europe/Paris"),
    )
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Patient, patient.id)
    assert (saved.email, saved.mobile, saved.timezone) == (
        "sam.new@example.test",
        "+447700900456",
        "Europe/Paris",
    )


def test_bad_details_are_shown_beside_each_field_and_nothing_changes(
    patient_client, session, patient
):
    response = post_form(
        patient_client,
        "/settings/details",
        details(name="", email="not-an-email", mobile="020 7946 0000", timezone="Mars/Olympus"),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for field, message in [
        ("name", "Enter your name"),
        ("email", "Enter an email address in the correct format"),
        ("mobile", "we can only send texts to mobiles"),
        ("timezone", "Choose a time zone from the list"),
    ]:
        assert f'id="{field}-error"' in body
        assert message in body
    assert 'value="not-an-email"' in body and 'value="020 7946 0000"' in body
    session.expire_all()
    assert session.get(Patient, patient.id).email == "sam@example.test"


def test_an_email_used_by_someone_else_is_refused(patient_client, session, patient):
    make_patient(session, email="taken@example.test")
    response = post_form(patient_client, "/settings/details", details(email="taken@example.test"))
    assert response.status_code == 400
    assert "already used by another account" in response.get_data(as_text=True)


def test_known_conditions_can_be_set_and_cleared(patient_client, session, patient):
    post_form(
        patient_client,
        "/settings/conditions",
        [("conditions", "bone_pain"), ("conditions", "fatigue")],
    )
    session.expire_all()
    assert session.get(Patient, patient.id).known_condition_codes() == {"bone_pain", "fatigue"}
    post_form(patient_client, "/settings/conditions", [("conditions", "fatigue")])
    session.expire_all()
    assert session.get(Patient, patient.id).known_condition_codes() == {"fatigue"}
    assert "Feeling much more tired than usual" in patient_client.get("/settings/").get_data(
        as_text=True
    )


def test_an_unknown_condition_code_is_refused(patient_client, session, patient):
    response = post_form(patient_client, "/settings/conditions", [("conditions", "nonsense")])
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Patient, patient.id).known_condition_codes() == set()


def test_a_full_postcode_is_kept_only_as_its_district(patient_client, session, patient):
    response = post_form(patient_client, "/settings/details", details(postcode="ls6 1an"))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Patient, patient.id).postcode_district == "LS6"


def test_a_postcode_that_is_not_one_is_shown_beside_the_field(patient_client, session, patient):
    response = post_form(patient_client, "/settings/details", details(postcode="NOT A PLACE"))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="postcode-error"' in body and 'value="NOT A PLACE"' in body
    session.expire_all()
    assert session.get(Patient, patient.id).postcode_district is None


def test_support_starts_at_the_patients_own_district_and_can_be_cleared(
    patient_client, session, patient
):
    patient.postcode_district = "LS6"
    session.add(patient)
    session.commit()

    def area_box(url):
        return re.search(r'<input[^>]*id="area"[^>]*>', patient_client.get(url).text).group(0)

    assert 'value="LS6"' in area_box("/support/")
    assert 'value="LS6"' not in area_box("/support/?area=")
