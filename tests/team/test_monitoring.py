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
    response = _change(clinician, world.ours.patient, action="died", confirm="yes")
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


# ---- confirming a death, and undoing an ending recorded by mistake (issue 19, item 14) -------


def test_recording_a_death_asks_first_naming_the_patient_and_changes_nothing_until_then(
    app, clinician, world
):
    response = _change(clinician, world.ours.patient, action="died")
    assert response.status_code == 200
    page = plain(response)
    patient = _patient(app, world.ours.patient)
    assert f"Record that {patient.name} has died?" in page
    assert f"Yes, record that {patient.name} has died" in page
    assert (patient.monitoring_status, patient.password_hash is not None) == ("active", True)


def _died_and_undo(app, clock, who, world, after: timedelta, staff_id: int):
    clock.set(SYSTEM.now())
    signed_in = _patient_client(app, world.ours.patient)
    _change(who, world.ours.patient, action="pause")
    assert _change(who, world.ours.patient, action="died", confirm="yes").status_code == 302
    assert signed_in.get("/diary/").status_code == 302
    clock.advance(after)
    staff_sign_in_as(who, staff_id)  # days later: a new sign-in
    page = f"/team/patients/{world.ours.patient}/status"
    response = who.post(f"{page}/undo", data={"csrf_token": csrf_from(who, page)})
    return response, signed_in


def test_a_team_admin_undoes_a_death_at_once_and_the_patients_session_is_back(
    app, clock, team_admin, world
):
    admin = world.ours.admin
    response, signed_in = _died_and_undo(app, clock, team_admin, world, timedelta(0), admin)
    assert response.status_code == 302
    assert signed_in.get("/diary/").status_code == 200  # the session they had is back


def test_a_team_admin_undoes_a_death_within_7_days_and_everything_is_as_it_was(
    app, clock, team_admin, world
):
    admin = world.ours.admin
    response, _ = _died_and_undo(app, clock, team_admin, world, timedelta(days=6), admin)
    assert response.status_code == 302
    patient = _patient(app, world.ours.patient)
    assert (patient.monitoring_status, patient.ended_reason) == ("paused", None)
    assert patient.password_hash is not None and patient.held_password_hash is None
    assert sign_in_form(app.test_client(), patient.email, PASSWORD).status_code == 302
    actions = read(
        app,
        lambda s: s.scalars(
            select(StaffAccess.action).where(StaffAccess.patient_id == patient.id)
        ).all(),
    )
    assert actions[-1] == "end_undone"


def test_after_7_days_an_ending_cannot_be_undone_and_what_was_kept_is_forgotten(
    app, clock, team_admin, world
):
    late = timedelta(days=7, seconds=1)
    response, _ = _died_and_undo(app, clock, team_admin, world, late, world.ours.admin)
    assert response.status_code == 302
    patient = _patient(app, world.ours.patient)
    assert (patient.monitoring_status, patient.ended_reason) == ("ended", "died")
    with database(app) as s:
        assert monitoring.forget_held_passwords(s, clock.now()) == 1
        s.commit()
    assert _patient(app, world.ours.patient).held_password_hash is None


def test_a_clinician_cannot_undo_an_ending(app, clock, clinician, world):
    page = plain(clinician.get(f"/team/patients/{world.ours.patient}/status"))
    assert "Recorded by mistake?" not in page
    response, _ = _died_and_undo(
        app, clock, clinician, world, timedelta(days=1), world.ours.clinician
    )
    assert response.status_code == 302
    assert _patient(app, world.ours.patient).monitoring_status == "ended"
    page = plain(clinician.get(f"/team/patients/{world.ours.patient}/status"))
    assert "A team administrator can undo this until" in page
