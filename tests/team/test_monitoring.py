"""Pausing, restarting, moving and ending monitoring, and what each does for the patient."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tests.auth.conftest import sign_in_form
from tests.conftest import PASSWORD, csrf_from, sign_in_as
from tests.team.conftest import database, make_staff, plain, read, staff_sign_in_as
from tracker.alerts.models import Prompt
from tracker.auth.invitations import create_invitation
from tracker.auth.models import Invitation, UserSession
from tracker.clock import SYSTEM
from tracker.patients.models import Patient
from tracker.team import monitoring
from tracker.team.models import TEAM_ADMIN, Membership, StaffAccess


def _change(client, patient_id: int, **data):
    page = f"/team/patients/{patient_id}/status"
    data["csrf_token"] = csrf_from(client, page)
    return client.post(page, data=data)


def _patient(app, patient_id: int) -> Patient:
    return read(app, lambda s: s.get(Patient, patient_id))


def _patient_client(app, patient_id: int):
    client = app.test_client()
    with database(app) as s:
        sign_in_as(client, s.get(Patient, patient_id))
    return client


def test_pausing_stops_messages_and_the_patient_sees_it(app, clinician, world):
    response = _change(clinician, world.ours.patient, action="pause")
    assert response.status_code == 302
    patient = _patient(app, world.ours.patient)
    assert patient.monitoring_status == "paused" and not monitoring.may_message(patient)
    assert patient.status_changed_by == world.ours.clinician
    audit = read(app, lambda s: s.scalar(select(StaffAccess).where(StaffAccess.action == "paused")))
    assert audit.detail == "queued prompts 1"  # the alert's prompt, to be cancelled
    diary = plain(_patient_client(app, world.ours.patient).get("/diary/"))
    assert "Your treating team has paused your diary's messages" in diary
    assert "Not sent: monitoring is paused or ended" in plain(clinician.get("/team/"))


def test_restarting_after_a_pause(app, clinician, world):
    _change(clinician, world.ours.patient, action="pause")
    assert _change(clinician, world.ours.patient, action="resume").status_code == 302
    patient = _patient(app, world.ours.patient)
    assert patient.monitoring_status == "active" and monitoring.may_message(patient)
    diary = plain(_patient_client(app, world.ours.patient).get("/diary/"))
    assert "paused" not in diary


def test_discharge_ends_messages_but_the_patient_can_still_open_their_diary(app, clinician, world):
    _change(clinician, world.ours.patient, action="discharge")
    patient = _patient(app, world.ours.patient)
    assert (patient.monitoring_status, patient.ended_reason) == ("ended", "discharged")
    assert sign_in_form(app.test_client(), patient.email, PASSWORD).status_code == 302
    diary = plain(_patient_client(app, world.ours.patient).get("/diary/"))
    assert "Your treating team has stopped following your diary" in diary


def test_recording_a_death_closes_the_account_at_once(app, clinician, world):
    signed_in = _patient_client(app, world.ours.patient)
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        invitation, _ = create_invitation(s, patient.team)
        invitation.patient_id = patient.id
        s.commit()
    response = _change(clinician, world.ours.patient, action="died")
    assert response.status_code == 302
    patient = _patient(app, world.ours.patient)
    assert (patient.monitoring_status, patient.ended_reason) == ("ended", "died")
    assert patient.password_hash is None
    assert not monitoring.may_message(patient)
    assert signed_in.get("/diary/").status_code == 302  # their session ended
    ended = select(UserSession.ended_reason).where(UserSession.patient_id == patient.id)
    assert read(app, lambda s: s.scalar(ended)) == "died"
    assert sign_in_form(app.test_client(), patient.email, PASSWORD).status_code == 400
    expires = read(app, lambda s: s.scalar(select(Invitation.expires_at)))
    assert expires <= SYSTEM.now()
    page = plain(clinician.get(f"/team/patients/{world.ours.patient}/status"))
    assert "nothing to change" in page
    assert _change(clinician, world.ours.patient, action="resume").status_code == 400


def test_only_changes_that_fit_the_status_are_offered_and_accepted(app, clinician, world):
    page = clinician.get(f"/team/patients/{world.ours.patient}/status").get_data(as_text=True)
    assert 'value="pause"' in page and 'value="resume"' not in page
    response = _change(clinician, world.ours.patient, action="resume")
    assert response.status_code == 400
    assert "Choose what to do" in plain(response)


def test_moving_needs_a_team_the_member_belongs_to(app, world):
    with database(app) as s:
        both = make_staff(s, "both@example.test", world.ours.team)
        s.add(Membership(staff_id=both.id, team_id=world.theirs.team, role=TEAM_ADMIN))
        s.commit()
        both_id = both.id
    client = app.test_client()
    staff_sign_in_as(client, both_id)
    response = _change(client, world.ours.patient, action="move", team=str(world.theirs.team))
    assert response.status_code == 302
    assert _patient(app, world.ours.patient).team_id == world.theirs.team
    audit = read(app, lambda s: s.scalar(select(StaffAccess).where(StaffAccess.action == "moved")))
    assert audit.detail == f"team {world.ours.team} to team {world.theirs.team}"
    assert audit.team_id == world.ours.team  # the team it was seen through


def test_a_member_of_one_team_cannot_move_a_patient_out_of_reach(app, clinician, world):
    page = clinician.get(f"/team/patients/{world.ours.patient}/status").get_data(as_text=True)
    assert 'value="move"' not in page  # no other team of theirs to move to
    response = _change(clinician, world.ours.patient, action="move", team=str(world.theirs.team))
    assert response.status_code == 400
    assert _patient(app, world.ours.patient).team_id == world.ours.team


def test_a_service_admin_in_the_team_may_move_to_any_team(app, world):
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", world.ours.team, service_admin=True).id
    client = app.test_client()
    staff_sign_in_as(client, boss)
    response = _change(client, world.ours.patient, action="move", team=str(world.theirs.team))
    assert response.status_code == 302
    assert response.headers["Location"] == "/team/patients/"  # no longer theirs to see
    assert client.get(f"/team/patients/{world.ours.patient}").status_code == 404


def test_moving_without_choosing_a_team_is_an_error_beside_the_team_field(app, world):
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", world.ours.team, service_admin=True).id
    client = app.test_client()
    staff_sign_in_as(client, boss)
    response = _change(client, world.ours.patient, action="move", team="")
    assert response.status_code == 400
    assert 'href="#team"' in response.get_data(as_text=True)


def test_queued_prompt_ids_are_the_unsent_ones(app, world):
    with database(app) as s:
        assert len(monitoring.queued_prompt_ids(s, world.ours.patient)) == 1
        s.execute(update(Prompt).values(sent_at=SYSTEM.now() - timedelta(minutes=1)))
        s.commit()
        assert monitoring.queued_prompt_ids(s, world.ours.patient) == []


def test_the_database_refuses_an_ended_status_without_a_reason_and_the_reverse(app, world):
    for values in (
        {"monitoring_status": "ended", "ended_reason": None},
        {"monitoring_status": "paused", "ended_reason": "died"},
        {"monitoring_status": "ended", "ended_reason": "moved away"},
        {"monitoring_status": "asleep"},
    ):
        with database(app) as s:
            with pytest.raises(IntegrityError):
                s.execute(update(Patient).where(Patient.id == world.ours.patient).values(**values))
                s.flush()
            s.rollback()


def test_a_session_belongs_to_a_patient_or_a_member_of_staff_never_both(app, world):
    for owners in ({}, {"patient_id": world.ours.patient, "staff_id": world.ours.clinician}):
        with database(app) as s:
            s.add(UserSession(key_hash=f"k{len(owners)}", **owners))
            with pytest.raises(IntegrityError):
                s.flush()
            s.rollback()
