"""The team's side of a patient's request to be contacted: its page (audited), who has it, an
outcome that closes it and tells the patient, a try that keeps it open; and the figures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_from
from tests.team.conftest import add_request, database, make_staff, plain, read, staff_sign_in_as
from tracker.contact_requests.models import ContactRequest
from tracker.notify import sms_words
from tracker.notify.models import OutboxMessage
from tracker.patients.models import Patient
from tracker.team.models import ContactAttempt, StaffAccess


def _page(world) -> str:
    return f"/team/requests/{world.ours.request}"


def _audit(app, action: str) -> list[StaffAccess]:
    query = select(StaffAccess).where(StaffAccess.action == action).order_by(StaffAccess.id)
    return read(app, lambda s: list(s.scalars(query)))


def _request(app, world) -> ContactRequest:
    return read(app, lambda s: s.get(ContactRequest, world.ours.request))


def _answer(client, world, outcome: str, note: str = ""):
    token = csrf_from(client, _page(world))
    return client.post(_page(world), data={"outcome": outcome, "note": note, "csrf_token": token})


def test_the_request_page_shows_what_the_patient_asked_and_is_audited(app, clinician, world):
    page = plain(clinician.get(_page(world)))
    assert "Request to be contacted" in page and "Patient a" in page
    assert "Please call about my back" in page and "0118 496 0555" in page
    assert "Mornings" in page and "Nobody yet" in page
    [row] = _audit(app, "viewed_request")
    assert (row.staff_id, row.patient_id) == (world.ours.clinician, world.ours.patient)
    assert row.detail == f"request {world.ours.request}"  # by id: no words, no number


def test_tried_to_call_no_answer_keeps_it_open_and_counts_as_first_contact(
    app, clock, clinician, world
):
    response = _answer(clinician, world, "no_answer", "Rang twice")
    assert response.status_code == 302
    row = _request(app, world)
    assert row.is_open and row.first_contact_at is not None
    [attempt] = read(app, lambda s: list(s.scalars(select(ContactAttempt))))
    assert attempt.contact_request_id == row.id and attempt.attempt == "no_answer"
    assert "Tried to call, no answer" in plain(clinician.get(_page(world)))
    assert [a.detail for a in _audit(app, "contact_attempted")] == [f"request {row.id}"]


def test_an_outcome_closes_it_tells_the_patient_and_their_diary_says_so(app, clinician, world):
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        patient.mobile, patient.sms_consent_at = "+447700900001", patient.email_consent_at
        s.commit()
    assert _answer(clinician, world, "appointment", "Clinic on Friday").status_code == 302
    row = _request(app, world)
    assert (row.status, row.outcome, row.closed_by) == (
        "closed",
        "appointment",
        world.ours.clinician,
    )
    assert row.outcome_note == "Clinic on Friday" and row.closed_at is not None
    messages = read(
        app,
        lambda s: list(s.scalars(select(OutboxMessage).where(OutboxMessage.variant == "closed"))),
    )
    by_channel = {m.channel: m.body_text for m in messages}
    assert "arranged an appointment" in by_channel["email"]
    assert "appointment" not in by_channel["sms"] and sms_words.is_clean(by_channel["sms"])
    assert "Clinic on Friday" not in by_channel["email"]  # the team's note stays the team's
    [audited] = _audit(app, "request_outcome_recorded")
    assert audited.detail == f"request {row.id}"
    # Closed: nothing more to record, and a second answer changes nothing.
    assert "This request is closed" in plain(clinician.get(_page(world)))
    _answer(clinician, world, "no_action")
    assert _request(app, world).outcome == "appointment"


def test_an_outcome_form_with_nothing_chosen_is_refused_beside_the_field(app, clinician, world):
    response = _answer(clinician, world, "", "A note kept")
    assert response.status_code == 400
    assert "Select what was done" in plain(response) and "A note kept" in plain(response)
    assert _request(app, world).is_open


def test_a_request_is_given_to_a_member_and_back_to_nobody_audited(app, clinician, world):
    page = _page(world)
    token = csrf_from(clinician, page)
    clinician.post(f"{page}/assign", data={"assignee": "me", "csrf_token": token})
    assert _request(app, world).assigned_staff_id == world.ours.clinician
    clinician.post(f"{page}/assign", data={"assignee": "", "csrf_token": token})
    assert _request(app, world).assigned_staff_id is None
    details = [a.detail for a in _audit(app, "request_assigned")]
    assert details == [f"request {world.ours.request} to staff {world.ours.clinician}"]
    assert len(_audit(app, "request_unassigned")) == 1
    # A member of another team cannot be given it.
    response = clinician.post(
        f"{page}/assign", data={"assignee": str(world.theirs.clinician), "csrf_token": token}
    )
    assert response.status_code == 400 and _request(app, world).assigned_staff_id is None


def test_an_outcome_without_a_form_token_is_refused(app, clinician, world):
    assert clinician.post(_page(world), data={"outcome": "contacted"}).status_code == 400
    assert _request(app, world).is_open


def test_the_figures_count_each_administered_teams_requests(app, clock, team_admin, world):
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        row = s.get(ContactRequest, world.ours.request)
        row.first_contact_at = row.created_at + timedelta(hours=5)
        row.status, row.outcome, row.closed_at = "closed", "contacted", row.first_contact_at
        row.closed_by = world.ours.clinician
        s.commit()
        late = s.get(ContactRequest, add_request(s, patient, "Second"))
        late.due_at = clock.now() - timedelta(minutes=1)  # its due day is over
        s.commit()
    page = plain(team_admin.get("/team/requests/figures"))
    assert "Breast Care 2 1 1 5.0 hours (over 1)" in page
    assert "Oncology" not in page  # not a team this member administers
    assert "Patient a" not in page  # no one named
    [audited] = _audit(app, "viewed_request_metrics")
    assert audited.team_id == world.ours.team and audited.patient_id is None


def test_the_figures_are_not_found_for_a_member_who_administers_no_team(clinician):
    assert clinician.get("/team/requests/figures").status_code == 404


def test_a_service_admin_sees_every_teams_figures(app, world):
    with database(app) as s:
        boss = make_staff(s, "boss@example.test", service_admin=True).id
    client = app.test_client()
    staff_sign_in_as(client, boss)
    page = plain(client.get("/team/requests/figures"))
    assert "Breast Care 1 0 0 No contact yet" in page and "Oncology 1 0 0" in page
