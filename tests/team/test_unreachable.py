"""Rules v2 §4: a patient no channel reaches for prompts is flagged in the team's queue and
patient list, only to their own team, and only while monitored with an account set up."""

from __future__ import annotations

from sqlalchemy import update

from tests.conftest import make_patient
from tests.team.conftest import database, plain
from tracker.clock import SYSTEM
from tracker.notify.models import SmsOptOut
from tracker.patients import reachability
from tracker.patients.models import PAUSED, Patient
from tracker.team.models import Team

FLAG = "No email or text reaches them"
QUEUE_HEADING = "Patients we cannot send messages to"


def _cut_off(app, patient_id: int) -> None:
    with database(app) as s:
        s.execute(
            update(Patient)
            .where(Patient.id == patient_id)
            .values(email_consent_at=None, sms_consent_at=None)
        )
        s.commit()


def test_a_patient_reached_by_email_is_not_flagged(app, clinician, world):
    assert QUEUE_HEADING not in plain(clinician.get("/team/"))
    assert FLAG not in plain(clinician.get("/team/patients/"))


def test_a_patient_no_channel_reaches_is_flagged_in_the_queue_and_the_list(app, clinician, world):
    _cut_off(app, world.ours.patient)

    queue = plain(clinician.get("/team/"))
    assert QUEUE_HEADING in queue
    assert "Patient a" in queue[queue.index(QUEUE_HEADING) :]
    listing = plain(clinician.get("/team/patients/"))
    assert FLAG in listing
    record = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "No email or text reaches this patient" in record


def test_another_teams_unreachable_patient_is_not_shown(app, clinician, world):
    _cut_off(app, world.theirs.patient)
    assert QUEUE_HEADING not in plain(clinician.get("/team/"))
    listing = plain(clinician.get("/team/patients/"))
    assert FLAG not in listing and "Patient b" not in listing


def test_texts_on_but_the_number_said_stop_is_reached_by_no_channel(app, clinician, world):
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        patient.email_consent_at = None
        patient.sms_consent_at = SYSTEM.now()
        s.add(
            SmsOptOut(
                number=patient.mobile, opted_out=True, source="keyword", changed_at=SYSTEM.now()
            )
        )
        s.commit()
        assert reachability.reaches_no_one(s, patient)
    assert QUEUE_HEADING in plain(clinician.get("/team/"))


def test_paused_patients_and_accounts_not_set_up_are_not_flagged(app, world):
    with database(app) as s:
        team = s.get(Team, world.ours.team)
        make_patient(s, team, email="paused@example.test", monitoring_status=PAUSED)
        make_patient(s, team, email="invited@example.test", password_hash=None)
        reachable_by_text = make_patient(
            s, team, email="texts@example.test", sms_consent_at=SYSTEM.now()
        )
        cut_off = make_patient(s, team, name="Cut Off", email="cut@example.test")
        found = reachability.unreachable_patients(s, [team.id])
        assert [p.id for p in found] == [cut_off.id]
        assert reachable_by_text.id not in {p.id for p in found}
        assert reachability.unreachable_patients(s, []) == []
