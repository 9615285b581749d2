"""The patient's settings: contact details, time zone and known conditions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import post_form
from tests.team.conftest import make_staff
from tracker.patients import conditions
from tracker.patients.models import KnownConditionChange, Patient


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
    # The email address is not among the details any more: it changes only by a link sent to
    # the new address (issue 22, item 4; tests/auth/test_email_change.py). One posted is ignored.
    response = post_form(
        patient_client,
        "/settings/details",
        details(email=" Sam.New@Example.TEST ", timezone="Europe/Paris"),
    )
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Patient, patient.id)
    assert (saved.email, saved.mobile, saved.timezone) == (
        "sam@example.test",
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
        ("mobile", "we can only send texts to mobiles"),
        ("timezone", "Choose a time zone from the list"),
    ]:
        assert f'id="{field}-error"' in body
        assert message in body
    assert 'value="020 7946 0000"' in body
    session.expire_all()
    assert session.get(Patient, patient.id).email == "sam@example.test"


def test_the_details_page_shows_the_email_address_and_links_to_changing_it(patient_client):
    # Issue 22, item 4 (and issue 19, item 19): "already used by another account" said who was
    # a patient; the change of address has its own page that answers the same either way.
    body = patient_client.get("/settings/details").get_data(as_text=True)
    assert 'name="email"' not in body
    assert "Your email address is sam@example.test" in body
    assert 'href="/settings/email"' in body


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
    assert "Tiredness" in patient_client.get("/settings/").get_data(as_text=True)


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


# ---- known conditions the team noted (rules v2 §2) ---------------------------------------------

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)


@pytest.fixture
def from_team(session, patient, clock):
    """The patient's team noted joint aches until 31 January 2027, and numbness until
    yesterday; the patient added fatigue themselves."""
    clock.set(NOW)
    nurse = make_staff(session, "nurse@example.test", patient.team_id, name="Jo Nurse")
    conditions.add(session, patient, "fatigue", staff_id=None, now=NOW)
    conditions.add(
        session,
        patient,
        "joint_pain",
        staff_id=nurse.id,
        until=date(2027, 1, 31),
        reason="Joint aches are common with letrozole",
        now=NOW,
    )
    conditions.add(
        session, patient, "numbness", staff_id=nurse.id, until=date(2026, 12, 1), reason="r"
    )
    session.commit()
    return nurse


def _changes(session, patient) -> list[tuple]:
    session.expire_all()
    rows = session.scalars(
        select(KnownConditionChange)
        .where(KnownConditionChange.patient_id == patient.id)
        .order_by(KnownConditionChange.id)
    )
    return [(c.symptom_code, c.action, c.until, c.staff_id) for c in rows]


def _plain(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_patient_sees_the_teams_conditions_their_end_dates_and_reasons(
    from_team, patient_client
):
    page = _plain(patient_client.get("/settings/"))
    assert (
        "Joint aches Your team has noted this as expected until Sunday 31 January "
        "2027. Their reason: Joint aches are common with letrozole." in page
    )
    assert "Tiredness You added this." in page
    # Ended yesterday: shown as ended, with what that means.
    assert (
        "Your team noted this as expected until Tuesday 1 December 2026. That date has passed, "
        "so the diary now treats it like any other symptom." in page
    )
    assert (
        "If one of these changes, gets worse or worries you, add it to your diary as usual and "
        "contact your treating team." in page
    )


def test_the_form_ticks_what_counts_today_and_says_which_the_team_noted(from_team, patient_client):
    body = patient_client.get("/settings/conditions").get_data(as_text=True)
    ticked = set(re.findall(r'value="([a-z_]+)" checked', body))
    assert ticked == {"fatigue", "joint_pain"}  # numbness ended yesterday
    assert "your team will see that you removed it" in _plain(
        patient_client.get("/settings/conditions")
    )


def test_the_patient_can_untick_the_teams_condition_and_the_history_says_who(
    from_team, patient_client, session, patient
):
    before = _changes(session, patient)
    response = post_form(patient_client, "/settings/conditions", [("conditions", "fatigue")])
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Patient, patient.id)
    # Joint pain removed by the patient; numbness, already ended, left alone for the team to see.
    assert {k.symptom_code for k in saved.known_conditions} == {"fatigue", "numbness"}
    assert _changes(session, patient) == [*before, ("joint_pain", "removed", None, None)]


def test_ticking_an_ended_condition_makes_it_the_patients_own_with_no_end_date(
    from_team, patient_client, session, patient
):
    before = _changes(session, patient)
    chosen = [("conditions", c) for c in ("fatigue", "joint_pain", "numbness")]
    assert post_form(patient_client, "/settings/conditions", chosen).status_code == 302
    session.expire_all()
    numbness = next(
        k for k in session.get(Patient, patient.id).known_conditions if k.symptom_code == "numbness"
    )
    assert (numbness.until, numbness.reason, numbness.set_by_staff_id) == (None, None, None)
    assert _changes(session, patient) == [*before, ("numbness", "changed", None, None)]


def test_the_patients_own_changes_are_kept_with_who_and_when(patient_client, session, patient):
    post_form(patient_client, "/settings/conditions", [("conditions", "bone_pain")])
    post_form(patient_client, "/settings/conditions", [])
    assert _changes(session, patient) == [
        ("bone_pain", "added", None, None),
        ("bone_pain", "removed", None, None),
    ]


@pytest.mark.parametrize("code", ["seizure", "lump", "hot_flushes", "other"])
def test_a_symptom_that_cannot_be_a_known_condition_is_refused(
    patient_client, session, patient, code
):
    response = post_form(patient_client, "/settings/conditions", [("conditions", code)])
    assert response.status_code == 400
    assert "Select conditions from the list" in response.get_data(as_text=True)
    assert _changes(session, patient) == []
