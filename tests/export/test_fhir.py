"""The record for the hospital's systems: a FHIR R4 Bundle following UK Core, checked by two
validators that are not ours (the R4 JSON schema through node, and fhir.resources' R4B models),
for the demo patients and for generated diaries; who may download it, and its audit row."""

from __future__ import annotations

import json
import random
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import make_patient, make_team, sign_in_as
from tests.team.conftest import make_staff, staff_sign_in_as
from tracker.config import PROJECT_ROOT
from tracker.demo import DEMO_EMAIL, DEMO_NHS_NUMBER, OTHER_PATIENT_EMAIL
from tracker.diary import services
from tracker.diary.models import DiaryEntry
from tracker.diary.services import SymptomReport
from tracker.export import fhir
from tracker.export.fhir_record import bundle_json
from tracker.forms import has_hidden_character
from tracker.notify.dispatch.loop import dispatch_due
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.team.models import FHIR_RECORD, StaffAccess

RULES = load_rules()
VALIDATOR = PROJECT_ROOT / "tests" / "export" / "fhir_schema.js"
# A Monday morning in London, outside quiet hours, so that the demo's prompt is sent.
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def schema_errors(*bundles: dict) -> list[list]:
    """Each bundle's errors against the FHIR R4 JSON schema, from the npm validator."""
    ran = subprocess.run(
        ["node", str(VALIDATOR)],
        input="".join(json.dumps(b) + "\n" for b in bundles),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=True,
    )
    found = [json.loads(line) for line in ran.stdout.splitlines()]
    assert len(found) == len(bundles), ran.stderr
    return found


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_schema_check_finds_a_broken_bundle():
    # A guard on the guard: the validator must say no to what is not FHIR.
    # An Observation without its required code, in a Bundle with a timestamp that is no time.
    for broken in (
        {"resourceType": "Bundle", "type": "collection", "timestamp": "yesterday"},
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Observation", "status": "final"}}],
        },
    ):
        [errors] = schema_errors(broken)
        assert errors, broken
        with pytest.raises(ValueError):
            Bundle.model_validate(broken)


# ---- the demo patients ---------------------------------------------------------------------


@pytest.fixture
def demo(app, clock, session):
    """The demo's data as `make run` loads it, on a weekday morning, with its prompts sent."""
    clock.set(MORNING)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        dispatch_due()
    return {
        email: session.scalar(select(Patient).where(Patient.email == email))
        for email in (DEMO_EMAIL, OTHER_PATIENT_EMAIL)
    }


def test_the_demo_patients_bundles_are_valid_fhir_r4_and_r4b(demo, session, clock):
    bundles = [json.loads(bundle_json(session, p, clock.now(), RULES)) for p in demo.values()]
    assert schema_errors(*bundles) == [[], []]
    for made in bundles:
        parsed = Bundle.model_validate(made)
        assert parsed.type == "collection" and len(parsed.entry) == len(made["entry"])


def test_the_demo_bundle_holds_the_patient_every_entry_the_alert_and_the_prompt(
    demo, session, clock
):
    alex = demo[DEMO_EMAIL]
    made = json.loads(bundle_json(session, alex, clock.now(), RULES))
    [patient] = resources(made, "Patient")
    assert patient["identifier"] == [{"system": fhir.NHS_NUMBER, "value": DEMO_NHS_NUMBER}]
    assert patient["birthDate"] == "1968-04-23"
    assert patient["meta"]["profile"] == [fhir.UK_CORE + "Patient"]

    entries = session.scalars(select(DiaryEntry).where(DiaryEntry.patient_id == alex.id)).all()
    observations = resources(made, "Observation")
    assert len(observations) == len(entries) > 20
    bone = [o for o in observations if o["code"].get("text") == "Bone pain"]
    assert bone and all(
        o["code"]["coding"] == [{"system": fhir.SNOMED, "code": "12584003"}] for o in bone
    )
    scores = {o["valueQuantity"]["value"] for o in bone}
    assert scores == {e.severity for e in entries if e.symptom_code == "bone_pain"}
    # The entry with an onset: its period runs from the onset to the day it was noted.
    [with_onset] = [o for o in bone if "effectivePeriod" in o]
    assert with_onset["effectivePeriod"]["start"] < with_onset["effectivePeriod"]["end"]
    assert any(
        n["text"] == "The patient said this worries them." for o in bone for n in o.get("note", [])
    )
    assert any("gone away" in o.get("valueString", "") for o in observations)
    assert sum(o["code"]["text"] == "No new symptoms today" for o in observations) == 6

    [alert_flag] = resources(made, "Flag")
    assert (
        alert_flag["status"] == "active" and alert_flag["code"]["coding"][0]["code"] == "12584003"
    )
    assert alert_flag["meta"]["profile"] == [fhir.UK_CORE + "Flag"]
    [prompt] = resources(made, "Communication")
    assert prompt["about"] == [{"reference": f"urn:uuid:{alert_flag['id']}"}]
    assert {m["text"] for m in prompt["medium"]} == {"Text message", "Email"}
    assert "bone" not in json.dumps(prompt).lower()  # what was sent, never what about
    # Every reference points at a resource in the Bundle.
    urls = {e["fullUrl"] for e in made["entry"]}
    assert all(ref in urls for ref in _references(made["entry"]))


def _references(node):
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_exporting_twice_gives_the_same_resource_ids(demo, session, clock):
    alex = demo[DEMO_EMAIL]
    first = json.loads(bundle_json(session, alex, clock.now(), RULES))
    clock.advance(timedelta(hours=1))
    second = json.loads(bundle_json(session, alex, clock.now(), RULES))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    assert first["timestamp"] != second["timestamp"]


# ---- changes, deletions and scores left out --------------------------------------------------


def _entry(**overrides) -> fhir.EntryFacts:
    values = {
        "id": 7,
        "kind": "symptom",
        "entry_date": date(2026, 11, 20),
        "series": "cough",
        "symptom_code": "cough",
        "severity": 4,
        "onset_date": None,
        "worrying": False,
        "note": None,
        "created_at": MORNING,
        "deleted": False,
        "changed": False,
    }
    return fhir.EntryFacts(**(values | overrides))


def test_a_changed_entry_is_amended_and_a_deleted_one_entered_in_error_each_with_provenance():
    patient = fhir.PatientFacts(3, "Ann Example", None, None)
    record = fhir.Record(
        patient,
        MORNING,
        entries=[_entry(id=7, changed=True), _entry(id=8, deleted=True)],
        revisions=[
            fhir.RevisionFacts(20, 7, 2, "edited", True, MORNING),
            fhir.RevisionFacts(21, 8, 2, "deleted", False, MORNING),
        ],
    )
    made = fhir.bundle(record, RULES)
    assert [o["status"] for o in resources(made, "Observation")] == ["amended", "entered-in-error"]
    edited, deleted = resources(made, "Provenance")
    assert edited["target"] == [{"reference": f"urn:uuid:{fhir.resource_id('Observation', 7)}"}]
    assert edited["activity"]["coding"][0]["code"] == "UPDATE"
    assert edited["agent"][0]["who"] == {"reference": f"urn:uuid:{fhir.resource_id('Patient', 3)}"}
    assert deleted["activity"]["coding"][0]["code"] == "DELETE"
    assert deleted["agent"][0]["who"] == {"display": "The symptom diary service"}
    assert "identifier" not in resources(made, "Patient")[0]  # no NHS number recorded
    assert schema_errors(made) == [[]]


def test_a_red_flag_without_a_score_says_why_the_value_is_missing():
    entry = _entry(series="coughing_blood", symptom_code="coughing_blood", severity=None)
    made = fhir.observation(entry, 3, RULES)
    assert "valueQuantity" not in made
    assert made["dataAbsentReason"]["coding"][0]["code"] == "asked-declined"
    assert made["code"]["coding"][0]["code"] == "66857006"  # Haemoptysis (finding)


def test_something_else_carries_the_patients_own_name_for_it():
    entry = _entry(series="other:jaw ache", symptom_code="other", note="Worse\u00a0at night")
    made = fhir.observation(entry, 3, RULES)
    assert made["code"]["text"] == "Something else: jaw ache"
    assert made["code"]["coding"][0]["code"] == "404684003"  # Clinical finding (finding)
    assert made["note"] == [{"text": "Worse at night"}]  # the non-breaking space a plain one


# ---- generated diaries -----------------------------------------------------------------------

CODES = sorted(RULES.symptoms)
# What the diary's forms let a patient type: no hidden characters (tracker.forms.check_text).
typed = st.text(min_size=1, max_size=60).filter(lambda t: not has_hidden_character(t, True))
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@st.composite
def records(draw) -> fhir.Record:
    entries = []
    for n in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["symptom", "resolved", "check_in"]))
        code = None if kind == "check_in" else draw(st.sampled_from(CODES))
        name = draw(typed) if code == "other" else None
        day = draw(st.dates(date(2020, 1, 1), date(2030, 1, 1)))
        entries.append(
            fhir.EntryFacts(
                id=n + 1,
                kind=kind,
                entry_date=day,
                series=None if code is None else f"other:{name}" if name else code,
                symptom_code=code,
                severity=draw(st.none() | st.integers(1, 10)) if kind == "symptom" else None,
                onset_date=draw(st.none() | st.dates(date(2019, 1, 1), day)),
                worrying=draw(st.booleans()),
                note=draw(st.none() | typed),
                created_at=draw(moments),
                deleted=draw(st.booleans()),
                changed=draw(st.booleans()),
            )
        )
    revisions = [
        fhir.RevisionFacts(
            100 + n,
            e.id,
            2,
            draw(st.sampled_from(sorted(fhir.OPERATIONS))),
            draw(st.booleans()),
            draw(moments),
        )
        for n, e in enumerate(entries)
        if e.changed or e.deleted
    ]
    alerts = [
        fhir.AlertFacts(
            n + 1, code, code, "Within a few days", draw(st.lists(typed, max_size=3)), draw(moments)
        )
        for n, code in enumerate(draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True)))
    ]
    prompts = [
        fhir.PromptFacts(
            n + 1,
            alert_id,
            "Asked to contact the treating team in the next few days",
            draw(moments),
            draw(st.lists(st.sampled_from(["sms", "email"]), unique=True)),
        )
        for n, alert_id in enumerate(draw(st.lists(st.integers(1, 4), max_size=4)))
    ]
    patient = fhir.PatientFacts(
        draw(st.integers(1, 10**6)),
        draw(typed),
        draw(st.none() | st.from_regex(r"[0-9]{10}", fullmatch=True)),
        draw(st.none() | st.dates(date(1920, 1, 1), date(2010, 1, 1))),
    )
    return fhir.Record(patient, draw(moments), entries, revisions, alerts, prompts)


def test_generated_diaries_give_bundles_both_validators_accept():
    made: list[dict] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(records())
    def each(record):
        bundle = fhir.bundle(record, RULES)
        Bundle.model_validate(bundle)  # R4B's models: raises on anything they refuse
        made.append(bundle)

    each()
    # One node process for all of them: the JSON schema, each bundle's errors, none expected.
    errors = schema_errors(*made)
    assert len(errors) == len(made) >= 150
    assert [e for e in errors if e] == []


def test_a_generated_diary_in_the_database_downloads_as_a_valid_bundle(app, session, clock):
    """A seeded diary written through the diary's own services (entries, edits, deletions,
    gone-away marks), downloaded by the team: valid, and one Observation per entry."""
    clock.set(MORNING)
    team = make_team(session)
    patient = make_patient(session, team, enrolled_on=date(2026, 6, 1), nhs_number="9434765919")
    pick = random.Random(20261202)
    today = MORNING.date()
    for n in range(120, 0, -1):
        day = today - timedelta(days=n)
        codes = pick.sample(["fatigue", "cough", "headache", "bone_pain", "other"], k=2)
        reports = [
            SymptomReport(
                code,
                pick.randint(1, 10),
                name="jaw ache" if code == "other" else None,
                note=pick.choice([None, "After a long walk", "Woke me up"]),
                worrying=pick.random() < 0.1,
            )
            for code in codes
        ]
        services.record_symptoms(session, patient, day, reports)
        if n % 30 == 0:
            services.record_resolved(session, patient, codes[0], day)
    session.commit()
    rows = session.scalars(select(DiaryEntry).where(DiaryEntry.patient_id == patient.id)).all()
    symptoms = [r for r in rows if r.kind == "symptom"]
    for entry in pick.sample(symptoms, 10):
        changes = SymptomReport(
            entry.symptom_code, pick.randint(1, 10), note="Changed", name=entry.name
        )
        services.edit_entry(session, patient, entry, changes, entry.entry_date)
    for entry in pick.sample(symptoms, 5):
        services.delete_entry(session, patient, entry)
    session.commit()
    member = make_staff(session, "nurse@example.test", team.id)
    client = app.test_client()
    staff_sign_in_as(client, member.id)
    response = client.get(f"/team/patients/{patient.id}/record.fhir.json")
    assert response.status_code == 200
    made = response.get_json(force=True)
    assert schema_errors(made) == [[]]
    Bundle.model_validate(made)
    observations = resources(made, "Observation")
    assert len(observations) == len(rows)
    assert sum(o["status"] == "entered-in-error" for o in observations) == 5
    assert len(resources(made, "Provenance")) >= 15


# ---- who may download it, and the audit trail ------------------------------------------------


def test_the_team_downloads_the_record_and_the_patient_sees_that_they_did(app, session, clock):
    clock.set(MORNING)
    team = make_team(session)
    patient = make_patient(session, team, enrolled_on=date(2026, 11, 1))
    services.record_symptoms(session, patient, date(2026, 11, 20), [SymptomReport("cough", 3)])
    session.commit()
    member = make_staff(session, "nurse@example.test", team.id, name="Jo Nurse")
    client = app.test_client()
    staff_sign_in_as(client, member.id)
    record_page = client.get(f"/team/patients/{patient.id}").get_data(as_text=True)
    assert f"/team/patients/{patient.id}/record.fhir.json" in record_page

    response = client.get(f"/team/patients/{patient.id}/record.fhir.json")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    [row] = session.scalars(
        select(StaffAccess).where(
            StaffAccess.patient_id == patient.id, StaffAccess.action == FHIR_RECORD
        )
    ).all()
    assert row.staff_id == member.id

    own = app.test_client()
    sign_in_as(own, patient)
    settings_page = own.get("/settings/").get_data(as_text=True)
    assert "Downloaded a copy of your record for the hospital" in settings_page
    assert "Jo Nurse" in settings_page


def test_another_teams_patient_is_a_404_and_nothing_is_recorded(app, session):
    ours, theirs = make_team(session), make_team(session, name="Oncology", email="o@example.test")
    other = make_patient(session, theirs, email="bea@example.test")
    member = make_staff(session, "nurse@example.test", ours.id)
    client = app.test_client()
    staff_sign_in_as(client, member.id)
    assert client.get(f"/team/patients/{other.id}/record.fhir.json").status_code == 404
    assert session.scalars(select(StaffAccess)).all() == []


def test_a_patient_cannot_download_the_teams_fhir_record(patient_client, patient):
    response = patient_client.get(f"/team/patients/{patient.id}/record.fhir.json")
    assert response.status_code == 404  # a patient is never a member of staff
    assert b"resourceType" not in response.data
