"""Recording what was done closes the alert, keeps its history, and the patient's diary says so."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_from, sign_in_as
from tests.team.conftest import database, open_alert, plain, read
from tracker.alerts.models import Alert, AlertEvent, Prompt
from tracker.alerts.services import acknowledge, apply_findings, queue_reprompts, resolve
from tracker.clock import SYSTEM
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.rules.engine import Finding
from tracker.team import queue
from tracker.team.models import AlertOutcome, Staff, StaffAccess


def _record(client, alert_id: int, **data):
    page = f"/team/alerts/{alert_id}/outcome"
    data["csrf_token"] = csrf_from(client, page)
    return client.post(page, data=data)


def test_recording_an_outcome_closes_the_alert_with_its_history(app, clinician, world):
    page = plain(clinician.get(f"/team/alerts/{world.ours.alert}/outcome"))
    assert "Record what was done" in page and "Bone pain" in page
    response = _record(clinician, world.ours.alert, outcome="contacted", note="Phoned. Seeing GP.")
    assert response.status_code == 302 and response.headers["Location"] == "/team/"

    alert = read(app, lambda s: s.get(Alert, world.ours.alert))
    assert alert.status == "closed" and alert.closed_at is not None
    last = read(app, lambda s: s.scalars(select(AlertEvent).order_by(AlertEvent.id)).all())[-1]
    assert (last.action, last.actor, last.status) == (
        "closed",
        f"staff:{world.ours.clinician}",
        "closed",
    )
    outcome = read(app, lambda s: s.scalar(select(AlertOutcome)))
    assert (outcome.outcome, outcome.note, outcome.staff_id) == (
        "contacted",
        "Phoned. Seeing GP.",
        world.ours.clinician,
    )
    audit = read(
        app,
        lambda s: s.scalar(select(StaffAccess).where(StaffAccess.action == "outcome_recorded")),
    )
    assert audit.detail == f"alert {world.ours.alert}"  # which alert, never the note
    assert "Bone pain" not in plain(clinician.get("/team/"))
    record = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "What was done: Contacted the patient, by Clin a" in record
    assert "Phoned. Seeing GP." in record


def test_the_patients_diary_then_says_the_team_has_been_in_touch(app, clinician, world):
    _record(clinician, world.ours.alert, outcome="appointment", note="Private note for the team")
    patient = app.test_client()
    with database(app) as s:
        sign_in_as(patient, s.get(Patient, world.ours.patient))
    body = plain(patient.get("/diary/"))
    assert "Your team has been in touch" in body
    assert "About bone pain" in body
    assert "Private note for the team" not in body


def test_no_action_needed_is_told_as_looked_at_not_as_in_touch(app, clinician, world):
    _record(clinician, world.ours.alert, outcome="no_action")
    patient = app.test_client()
    with database(app) as s:
        sign_in_as(patient, s.get(Patient, world.ours.patient))
    body = plain(patient.get("/diary/"))
    assert "Your team has looked at this" in body
    assert "Your team has been in touch" not in body


def test_an_outcome_must_be_chosen_and_the_note_kept_short(app, clinician, world):
    response = _record(clinician, world.ours.alert, outcome="", note="x" * 2001)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Select what was done" in body and "2000 characters or fewer" in body
    assert "x" * 2001 in body  # what was typed is kept
    assert read(app, lambda s: s.get(Alert, world.ours.alert)).status == "open"


def test_a_closed_alert_cannot_be_closed_again(app, clinician, team_admin, world):
    token = csrf_from(team_admin, f"/team/alerts/{world.ours.alert}/outcome")
    _record(clinician, world.ours.alert, outcome="tests")
    response = team_admin.post(
        f"/team/alerts/{world.ours.alert}/outcome",
        data={"csrf_token": token, "outcome": "contacted"},
    )
    assert response.status_code == 200
    assert "no longer waiting for the team" in plain(response)
    assert len(read(app, lambda s: s.scalars(select(AlertOutcome)).all())) == 1


def test_a_closed_alert_is_not_reopened_by_the_same_episode(app, clinician, world):
    """Rules §4: once the team has closed it, only a new episode or a rise opens another."""
    _record(clinician, world.ours.alert, outcome="contacted")
    with database(app) as s:
        alert = s.get(Alert, world.ours.alert)
        same = Finding(
            "bone_pain",
            "soon",
            ("persistent",),
            alert.episode_start,
            alert.last_entry,
            alert.duration_days,
            "test",
            alert.first_entry,
        )
        outcome = apply_findings(s, world.ours.patient, [same])
        s.commit()
    assert (outcome.opened, outcome.unchanged) == (0, 1)


# ---- only the team closes an urgent alert (rules §4, version 2) -----------------------------


def _emergency_alert(app, world) -> int:
    with database(app) as s:
        return open_alert(s, world.ours.patient, "seizure", "emergency", ("red_flag",), days=0)


def test_gone_away_on_a_call_999_alert_keeps_it_in_the_queue_with_the_answer(app, clinician, world):
    """§4: "An alert of urgency `emergency` or `same_day` is closed only by the team recording
    an outcome. The patient's answers are recorded, shown to the team, and stop re-prompts, but
    the alert stays in the team's queue"."""
    alert_id = _emergency_alert(app, world)
    today = SYSTEM.today("Europe/London")
    with database(app) as s:
        resolve(s, s.get(Patient, world.ours.patient), alert_id, today)
        s.commit()
        queue_reprompts(s, 7, 2, now=SYSTEM.now() + timedelta(days=30))
        prompts = s.scalars(select(Prompt.reprompt).where(Prompt.alert_id == alert_id)).all()
        assert prompts == [0]  # the answer stops re-prompts
        s.rollback()
    body = plain(clinician.get("/team/"))
    assert "Emergency" in body and "Says it has gone away" in body
    assert f"/team/alerts/{alert_id}/outcome" in clinician.get("/team/").get_data(as_text=True)
    record = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "waiting for you: the patient says it has gone away" in record
    outcome_page = plain(clinician.get(f"/team/alerts/{alert_id}/outcome"))
    assert "Says it has gone away" in outcome_page and "Not yet" not in outcome_page

    response = _record(clinician, alert_id, outcome="contacted", note="Phoned: seen in A&E.")
    assert response.status_code == 302
    alert = read(app, lambda s: s.get(Alert, alert_id))
    assert alert.status == "closed"
    assert f"/team/alerts/{alert_id}/outcome" not in clinician.get("/team/").get_data(as_text=True)
    actions = read(app, lambda s: [e.action for e in s.get(Alert, alert_id).events])
    assert actions == ["opened", "resolved", "closed"]  # the patient's answer stays in history


def test_a_same_day_alert_the_patient_says_they_acted_on_still_waits_for_the_team(
    app, clinician, world
):
    with database(app) as s:
        alert_id = open_alert(s, world.ours.patient, "fracture", "same_day", ("red_flag",), 0)
        acknowledge(s, s.get(Patient, world.ours.patient), alert_id)
        s.commit()
        member = s.get(Staff, world.ours.clinician)
        rows = queue.waiting_alerts(s, member, load_rules())
    [row] = [r for r in rows if r.alert_id == alert_id]
    assert row.answer == "has contacted the team" and row.answered_at is not None


def test_a_soon_alert_the_patient_answers_leaves_to_do_but_stays_in_the_history(
    app, clinician, world
):
    """§4: "An alert of urgency `soon` that the patient answers leaves the queue's 'to do' list
    but stays in its history, with the answer, for the team to see"."""
    with database(app) as s:
        acknowledge(s, s.get(Patient, world.ours.patient), world.ours.alert)
        s.commit()
        member = s.get(Staff, world.ours.clinician)
        to_do = queue.waiting_alerts(s, member, load_rules())
        history = queue.answered_alerts(s, member, load_rules())
    assert world.ours.alert not in [r.alert_id for r in to_do]
    [row] = history.rows
    assert (row.alert_id, row.answer) == (world.ours.alert, "has contacted the team")
    page = clinician.get("/team/").get_data(as_text=True)
    assert f"/team/alerts/{world.ours.alert}/outcome" not in page
    assert "Answered by the patient" in page and "Has contacted the team" in plain(
        clinician.get("/team/")
    )
