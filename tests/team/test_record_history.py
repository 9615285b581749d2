"""The team's record of a patient shows what the patient changed and deleted in their diary
(issue 19, item 13): the patient is told their treating team can still see it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.team.conftest import database, plain
from tracker.clock import SYSTEM
from tracker.diary.models import DiaryEntry
from tracker.diary.services import SymptomReport, delete_entry, edit_entry, record_symptoms
from tracker.patients.models import Patient
from tracker.team.record import earlier_versions


def _latest_entry(s, patient_id: int) -> DiaryEntry:
    return s.scalars(
        select(DiaryEntry)
        .where(DiaryEntry.patient_id == patient_id)
        .order_by(DiaryEntry.id.desc())
        .limit(1)
    ).one()


def test_a_deleted_entry_is_shown_marked_as_deleted_with_when(app, clinician, world):
    today = SYSTEM.today("Europe/London")
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        record_symptoms(s, patient, today, [SymptomReport("cough", 4, note="Only at night")])
        s.commit()
        delete_entry(s, patient, _latest_entry(s, patient.id))
        s.commit()
    body = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "Deleted Deleted by the patient" in body
    assert "Cough: 4 out of 10" in body and "4 out of 10" in body and "Only at night" in body


def test_earlier_versions_of_an_edited_entry_are_shown(app, clinician, world):
    today = SYSTEM.today("Europe/London")
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        record_symptoms(s, patient, today, [SymptomReport("cough", 3, note="First words")])
        s.commit()
        entry = _latest_entry(s, patient.id)
        edit_entry(s, patient, entry, SymptomReport("cough", 8, note="Second words"), today)
        s.commit()
    body = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "Earlier versions (1)" in body
    assert "3 out of 10. Note: First words" in body
    assert "8 out of 10" in body and "Second words" in body


def test_another_teams_deleted_entries_do_not_show(app, clinician, world):
    with database(app) as s:
        patient = s.get(Patient, world.theirs.patient)
        record_symptoms(s, patient, SYSTEM.today("Europe/London"), [SymptomReport("cough", 5)])
        s.commit()
        delete_entry(s, patient, _latest_entry(s, patient.id))
        s.commit()
    body = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "Deleted by the patient" not in body
    assert clinician.get(f"/team/patients/{world.theirs.patient}").status_code == 404


def test_the_current_version_is_not_listed_as_an_earlier_one(app, world):
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        day = SYSTEM.today("Europe/London") - timedelta(days=1)
        (entry,) = record_symptoms(s, patient, day, [SymptomReport("cough", 2)])
        s.flush()
        assert earlier_versions(list(entry.revisions)) == []
        edit_entry(s, patient, entry, SymptomReport("cough", 6), day)
        delete_entry(s, patient, entry)
        s.flush()
        earlier = earlier_versions(list(entry.revisions))
        assert [(r.action, r.severity) for r in earlier] == [("created", 2)]
        s.rollback()
