"""Download my data: every patient-scoped table, the patient's rows only, and no secrets."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.team.conftest import staff_sign_in_as
from tracker.auth.models import UserSession
from tracker.diary import services
from tracker.diary.models import DiaryEntry
from tracker.export.data import patient_tables
from tracker.models import Base
from tracker.patients.models import Patient


def _zip(client) -> zipfile.ZipFile:
    with client.get("/your-data/download") as response:
        streamed = response.is_streamed
        body = response.get_data()
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert streamed
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(body))


def _json(z: zipfile.ZipFile, name: str) -> list[dict]:
    return json.loads(z.read(f"{name}.json"))


def test_every_table_with_a_patient_id_is_in_the_download(ann):
    """A table added later with a patient_id column is exported, or this test says which."""
    scoped = {t.name for t in Base.metadata.tables.values() if "patient_id" in t.c}
    assert len(scoped) >= 15  # the walk found the tables (a guard on the guard)
    assert scoped <= {t.name for t in patient_tables()}
    names = set(_zip(ann).namelist())
    for table in scoped | {"patients", "diary_entry_revisions", "alert_events"}:
        assert f"{table}.json" in names, table
        assert f"{table}.csv" in names, table
    assert "README.txt" in names


def test_the_diary_comes_with_every_revision_and_deletion(ann, diary, session):
    patient = session.get(Patient, diary.patient_id)
    entry = session.scalars(
        select(DiaryEntry).where(DiaryEntry.patient_id == patient.id).order_by(DiaryEntry.id)
    ).first()
    services.edit_entry(
        session,
        patient,
        entry,
        services.SymptomReport("fatigue", 9, note="Changed my mind"),
        entry.entry_date,
    )
    services.delete_entry(session, patient, entry)
    session.commit()
    z = _zip(ann)
    entries = _json(z, "diary_entries")
    live = session.scalars(select(DiaryEntry).where(DiaryEntry.patient_id == patient.id)).all()
    assert len(entries) == len(live)
    [deleted] = [e for e in entries if e["id"] == entry.id]
    assert deleted["deleted_at"] is not None
    actions = [r["action"] for r in _json(z, "diary_entry_revisions") if r["entry_id"] == entry.id]
    assert actions == ["created", "edited", "deleted"]
    rows = list(csv.DictReader(io.TextIOWrapper(z.open("diary_entry_revisions.csv"), "utf-8")))
    assert [r["action"] for r in rows if r["entry_id"] == str(entry.id)] == actions


def test_alerts_outcomes_conditions_and_access_are_there(ann, diary, app):
    with app.test_client() as team:
        member = _json(_zip(ann), "known_conditions")[0]["set_by_staff_id"]
        staff_sign_in_as(team, member)
        assert team.get(f"/team/patients/{diary.patient_id}").status_code == 200
    z = _zip(ann)
    assert [a["symptom_code"] for a in _json(z, "alerts")] == ["bone_pain"]
    assert _json(z, "alert_events")
    [outcome] = _json(z, "alert_outcomes")
    assert outcome["outcome"] == "contacted"
    assert "note" not in outcome  # the team's own note
    assert {c["symptom_code"] for c in _json(z, "known_conditions")} == {
        "hot_flushes",
        "joint_pain",
    }
    assert len(_json(z, "known_condition_changes")) == 2
    [seen] = _json(z, "staff_access")
    assert seen["action"] == "viewed_record"
    assert _json(z, "staff_names") == [{"id": member, "name": "Jo Nurse"}]


def test_a_try_to_call_is_there_without_the_teams_note(ann, diary, session):
    from tracker.alerts.models import Alert
    from tracker.team.models import ContactAttempt, Staff

    alert = session.scalar(select(Alert).where(Alert.patient_id == diary.patient_id))
    member = session.scalar(select(Staff))
    session.add(
        ContactAttempt(
            patient_id=diary.patient_id,
            alert_id=alert.id,
            staff_id=member.id,
            attempt="no_answer",
            note="Sounded worried on the voicemail greeting",
        )
    )
    session.commit()
    z = _zip(ann)
    [tried] = _json(z, "contact_attempts")
    assert tried["attempt"] == "no_answer"
    assert "note" not in tried
    assert b"voicemail greeting" not in b"".join(z.read(n) for n in z.namelist())


def test_no_other_patient_and_no_secret_is_in_the_download(ann, diary, session):
    z = _zip(ann)
    everything = b"".join(z.read(n) for n in z.namelist()).decode()
    assert "Bea Other" not in everything and "Not Ann" not in everything
    assert "bea@example.test" not in everything
    patient = session.get(Patient, diary.patient_id)
    assert patient.password_hash not in everything
    assert "$argon2" not in everything and PASSWORD not in everything
    for key_hash in session.scalars(select(UserSession.key_hash)):
        assert key_hash not in everything
    for name in z.namelist():
        if name.endswith(".json"):
            for row in _json(z, name[:-5]):
                assert row.get("patient_id", diary.patient_id) == diary.patient_id, name
                assert not any("hash" in k or "token" in k or "secret" in k for k in row), name
    [me] = _json(z, "patients")
    assert me["name"] == "Ann Example" and me["id"] == diary.patient_id


def test_a_new_patient_gets_a_download_of_empty_files(patient_client, patient):
    z = _zip(patient_client)
    assert _json(z, "diary_entries") == []
    assert next(csv.reader(io.TextIOWrapper(z.open("diary_entries.csv"), "utf-8")))[0] == "id"
    assert [p["id"] for p in _json(z, "patients")] == [patient.id]


def test_signed_out_the_download_and_summary_go_to_the_sign_in_page(client):
    for path in ("/your-data/download", "/your-data/summary", "/your-data/summary.pdf"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in"), path
