"""Rules version 2, section 2, in the diary: "something else" is named, each name its own
series; a red flag can be saved without a severity, and what to do comes before the details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import make_patient, post_form
from tests.diary.test_logging import date_fields, entries, error_beside, log_form, save, today
from tracker.alerts import services as alert_services
from tracker.alerts.models import Alert
from tracker.detection.patient import findings_for_patient
from tracker.diary import services
from tracker.diary.models import RESOLVED, EntryRevision
from tracker.rules import load_rules
from tracker.rules.engine import Finding


def log_other(client, name: str, severity: str = "3", day=None, **fields):
    """Log one "something else" with a new name (as typed), through both steps."""
    values = {"severity": severity, "name-new": name, **fields}
    data = log_form({"other": {}}, day)
    data += [("name-other-new" if k == "name-new" else f"{k}-other", v) for k, v in values.items()]
    return save(client, data)


def test_something_else_is_saved_with_its_name_as_typed(patient_client, session, patient):
    response = log_other(patient_client, "  Rash on my  arm ")
    assert response.status_code == 302
    [entry] = entries(session, patient_id=patient.id)
    assert (entry.symptom_code, entry.name, entry.series) == (
        "other",
        "Rash on my arm",
        "other:rash on my arm",
    )
    [revision] = session.scalars(select(EntryRevision)).all()
    assert revision.name == "Rash on my arm"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Something else: enter a short name for it, for example 'rash on my arm'"),
        ("   ", "Something else: enter a short name for it, for example 'rash on my arm'"),
        ("x" * 41, "Something else: the name must be 40 characters or fewer"),
    ],
)
def test_a_missing_or_long_name_is_refused_beside_the_field_keeping_what_was_typed(
    patient_client, session, patient, typed, message
):
    response = log_other(patient_client, typed, note="Itchy since Tuesday")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert error_beside(body, "name-other-new") == message.replace("'", "&#39;")
    assert "Itchy since Tuesday" in body
    if typed.strip():
        assert f'value="{typed}"' in body
    assert entries(session, patient_id=patient.id) == []


def test_a_name_of_exactly_40_characters_is_accepted(patient_client, session, patient):
    assert log_other(patient_client, "y" * 40).status_code == 302
    [entry] = entries(session, patient_id=patient.id)
    assert entry.name == "y" * 40


def test_names_used_before_are_offered_and_choosing_one_joins_its_series(
    patient_client, session, patient
):
    log_other(patient_client, "Hot flushes", day=today() - timedelta(days=3))
    log_other(patient_client, "Rash", day=today() - timedelta(days=2))
    post_form(patient_client, "/diary/log", log_form({"other": {}}))
    body = patient_client.get("/diary/log/details").get_data(as_text=True)
    assert body.index('value="Rash"') < body.index('value="Hot flushes"')  # most recent first
    assert 'name="name-other-new"' in body
    response = post_form(
        patient_client, "/diary/log/details", {"name-other": "Hot flushes", "severity-other": "5"}
    )
    assert response.status_code == 302
    series = [e.series for e in entries(session, patient_id=patient.id)]
    assert series == ["other:hot flushes", "other:rash", "other:hot flushes"]


def test_two_names_are_two_series_for_the_rules(patient_client, session, patient):
    """Each name is a series of its own (§2): two complaints logged on alternate days are two
    short episodes, not one long one."""
    for back in range(0, 22, 2):
        log_other(patient_client, "Rash", day=today() - timedelta(days=back))
        log_other(patient_client, "Headache at night", day=today() - timedelta(days=back + 1))
    findings = findings_for_patient(session, patient.id, today(), load_rules())
    assert sorted(f.series for f in findings) == ["other:headache at night", "other:rash"]


def test_each_name_has_its_own_history_page_and_gone_away(patient_client, session, patient):
    log_other(patient_client, "Rash", day=today() - timedelta(days=1))
    log_other(patient_client, "Tingling")
    rash, tingling = entries(session, patient_id=patient.id)
    page = patient_client.get(f"/diary/something-else/{rash.id}").get_data(as_text=True)
    assert "<h1>Rash</h1>" in page and "Tingling" not in page
    home = patient_client.get("/diary/").get_data(as_text=True)
    assert f"/diary/something-else/{tingling.id}/gone" in home
    response = post_form(
        patient_client, f"/diary/something-else/{rash.id}/gone", date_fields("gone_date", today())
    )
    assert response.status_code == 302
    [mark] = entries(session, patient_id=patient.id, kind=RESOLVED)
    assert (mark.name, mark.series) == ("Rash", "other:rash")
    home = patient_client.get("/diary/").get_data(as_text=True)
    assert f"/diary/something-else/{rash.id}/gone" not in home
    assert f"/diary/something-else/{tingling.id}/gone" in home


def test_gone_away_for_one_name_answers_only_its_own_alert(patient_client, session, patient):
    log_other(patient_client, "Rash", day=today() - timedelta(days=3))
    log_other(patient_client, "Tingling", day=today() - timedelta(days=3))
    rash, _ = entries(session, patient_id=patient.id)
    start = today() - timedelta(days=20)
    alert_services.apply_findings(
        session,
        patient.id,
        [
            Finding("other", "soon", ("new",), start, today(), 20, "t", start, name="rash"),
            Finding("other", "soon", ("new",), start, today(), 20, "t", start, name="tingling"),
        ],
    )
    session.commit()
    post_form(
        patient_client, f"/diary/something-else/{rash.id}/gone", date_fields("gone_date", today())
    )
    session.expire_all()
    statuses = dict(session.execute(select(Alert.series, Alert.status)).all())
    assert statuses == {"other:rash": "resolved", "other:tingling": "open"}


def test_renaming_a_series_renames_every_entry_keeps_the_old_name_and_moves_its_alert(
    patient_client, session, patient
):
    log_other(patient_client, "Rash", day=today() - timedelta(days=1))
    log_other(patient_client, " rash ")
    first, second = entries(session, patient_id=patient.id)
    start = today() - timedelta(days=1)
    alert_services.apply_findings(
        session,
        patient.id,
        [Finding("other", "soon", ("new",), start, today(), 1, "t", start, name="rash")],
    )
    session.commit()
    response = post_form(
        patient_client,
        f"/diary/something-else/{first.id}/rename",
        {"name-other-new": "Eczema flare"},
    )
    assert response.status_code == 302
    session.expire_all()
    assert {(e.name, e.series) for e in entries(session, patient_id=patient.id)} == {
        ("Eczema flare", "other:eczema flare")
    }
    names = [
        r.name
        for r in session.scalars(
            select(EntryRevision)
            .where(EntryRevision.entry_id == second.id)
            .order_by(EntryRevision.revision)
        )
    ]
    assert names == [" rash ".strip(), "Eczema flare"]
    [alert] = session.scalars(select(Alert)).all()
    assert (alert.series, alert.status) == ("other:eczema flare", "open")


def test_renaming_to_a_name_already_used_is_refused_beside_the_field(
    patient_client, session, patient
):
    log_other(patient_client, "Rash", day=today() - timedelta(days=1))
    log_other(patient_client, "Tingling")
    rash, _ = entries(session, patient_id=patient.id)
    response = post_form(
        patient_client, f"/diary/something-else/{rash.id}/rename", {"name-other-new": "TINGLING "}
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert error_beside(body, "name-other-new").startswith("You already use the name")
    assert 'value="TINGLING "' in body
    assert [e.name for e in entries(session, patient_id=patient.id)] == ["Rash", "Tingling"]


@pytest.mark.parametrize("suffix", ["", "/gone", "/rename"])
def test_another_patients_named_series_is_not_found(patient_client, session, suffix):
    other = make_patient(session, email="other@example.test", name="Other Person")
    [entry] = services.record_symptoms(
        session, other, today(), [services.SymptomReport("other", 3, name="Not yours")]
    )
    session.commit()
    assert patient_client.get(f"/diary/something-else/{entry.id}{suffix}").status_code == 404


def test_a_symptom_that_is_not_something_else_has_no_named_page(patient_client, session, patient):
    save(patient_client, log_form({"cough": {"severity": "3"}}))
    [cough] = entries(session, patient_id=patient.id)
    assert patient_client.get(f"/diary/something-else/{cough.id}").status_code == 404
    assert patient_client.get("/diary/symptoms/other").status_code == 404


# ---- red flags without a severity ------------------------------------------------------------


def test_a_red_flag_can_be_saved_without_a_severity(patient_client, session, patient):
    response = save(patient_client, log_form({"fracture": {"severity": ""}}))
    assert response.status_code == 302
    [entry] = entries(session, patient_id=patient.id)
    assert (entry.symptom_code, entry.severity) == ("fracture", None)
    page = patient_client.get(f"/diary/entries/{entry.id}").get_data(as_text=True)
    assert "how bad not given" in page


def test_a_symptom_that_is_not_a_red_flag_still_needs_a_severity(patient_client, session, patient):
    response = save(patient_client, log_form({"cough": {"severity": ""}}))
    assert response.status_code == 400
    assert entries(session, patient_id=patient.id) == []


def test_a_red_flags_severity_is_marked_optional(patient_client):
    post_form(patient_client, "/diary/log", log_form({"fracture": {}, "cough": {}}))
    body = patient_client.get("/diary/log/details").get_data(as_text=True)
    assert body.count("How bad is it? (optional)") == 1


def test_a_red_flag_opens_the_details_with_what_to_do_first(patient_client):
    post_form(patient_client, "/diary/log", log_form({"cough": {}, "seizure": {}}))
    body = patient_client.get("/diary/log/details").get_data(as_text=True)
    assert body.index("Call 999 now") < body.index("<h1>Tell us more</h1>")


def test_a_back_dated_red_flag_is_advised_for_today_not_999(patient_client):
    day = today() - timedelta(days=19)
    post_form(patient_client, "/diary/log", log_form({"seizure": {}}, day))
    body = patient_client.get("/diary/log/details").get_data(as_text=True)
    assert "Contact your treating team today" in body
    assert "Call 999 now" not in body


def test_no_advice_comes_first_without_a_red_flag(patient_client):
    post_form(patient_client, "/diary/log", log_form({"cough": {}}))
    body = patient_client.get("/diary/log/details").get_data(as_text=True)
    assert "Contact your treating team today" not in body and "Call 999" not in body
