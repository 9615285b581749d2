"""Tried to call, no answer; left a message (issue 19, item 16): recorded on the outcome form,
they keep the alert (or the quiet patient) waiting, with a note, a time and who, and the queue
and the alert's page show the latest one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tests.conftest import csrf_from
from tests.team.conftest import plain, read
from tracker.alerts.models import Alert
from tracker.team.models import AlertOutcome, ContactAttempt, QuietSpell, StaffAccess

TUESDAY_MORNING = datetime(2026, 12, 1, 10, 14, tzinfo=UTC)  # 10:14 in London too (GMT)


def _record(client, page: str, **data):
    data["csrf_token"] = csrf_from(client, page)
    return client.post(page, data=data)


def test_no_answer_keeps_the_alert_open_with_the_note_the_time_and_who(
    app, clinician, clock, world
):
    page = f"/team/alerts/{world.ours.alert}/outcome"
    assert "Tried to call, no answer" in plain(clinician.get(page))
    clock.set(TUESDAY_MORNING)
    response = _record(clinician, page, outcome="no_answer", note="Rang twice, no voicemail.")
    assert response.status_code == 302 and response.headers["Location"] == "/team/"

    alert = read(app, lambda s: s.get(Alert, world.ours.alert))
    assert alert.status == "open" and alert.closed_at is None
    assert read(app, lambda s: s.scalars(select(AlertOutcome)).all()) == []
    attempt = read(app, lambda s: s.scalar(select(ContactAttempt)))
    assert (attempt.attempt, attempt.note, attempt.staff_id, attempt.at) == (
        "no_answer",
        "Rang twice, no voicemail.",
        world.ours.clinician,
        TUESDAY_MORNING,
    )
    actions = read(app, lambda s: [e.action for e in s.get(Alert, world.ours.alert).events])
    assert actions[-1] == "contact_attempted"
    audit = read(
        app,
        lambda s: s.scalar(select(StaffAccess).where(StaffAccess.action == "contact_attempted")),
    )
    assert audit.detail == f"alert {world.ours.alert}"  # which alert, never the note

    said = "Tried to call, no answer — Tuesday 1 December, 10:14, by Clin a"
    assert said in plain(clinician.get("/team/"))
    assert said in plain(clinician.get(page))
    assert "Save what was done" in plain(clinician.get(page))  # still waiting


def test_the_latest_attempt_is_the_one_shown(app, clinician, clock, team_admin, world):
    page = f"/team/alerts/{world.ours.alert}/outcome"
    clock.set(TUESDAY_MORNING)
    _record(clinician, page, outcome="no_answer")
    clock.set(TUESDAY_MORNING.replace(hour=15, minute=2))
    _record(team_admin, page, outcome="left_message", note="Asked her to ring the unit.")
    queue_page = plain(clinician.get("/team/"))
    assert "Left a message — Tuesday 1 December, 15:02, by Admin a" in queue_page
    assert "Tried to call, no answer" not in queue_page
    # Then the team reaches her: the outcome closes the alert as ever.
    _record(clinician, page, outcome="contacted")
    assert read(app, lambda s: s.get(Alert, world.ours.alert)).status == "closed"
    assert len(read(app, lambda s: s.scalars(select(ContactAttempt)).all())) == 2


def test_a_quiet_patient_not_reached_stays_on_the_list(app, clinician, clock, world):
    page = f"/team/quiet/{world.ours.quiet}/outcome"
    assert "Left a message" in plain(clinician.get(page))
    clock.set(TUESDAY_MORNING)
    response = _record(clinician, page, outcome="left_message", note="Voicemail.")
    assert response.status_code == 302
    assert read(app, lambda s: s.get(QuietSpell, world.ours.quiet)).outcome is None
    attempt = read(app, lambda s: s.scalar(select(ContactAttempt)))
    assert (attempt.quiet_spell_id, attempt.alert_id) == (world.ours.quiet, None)
    said = "Left a message — Tuesday 1 December, 10:14, by Clin a"
    assert said in plain(clinician.get("/team/"))
    assert said in plain(clinician.get(page))


def test_an_attempt_on_a_closed_alert_is_not_recorded(app, clinician, world):
    page = f"/team/alerts/{world.ours.alert}/outcome"
    _record(clinician, page, outcome="contacted")
    response = _record(clinician, page, outcome="no_answer")
    assert response.status_code == 200
    assert "no longer waiting for the team" in plain(response)
    assert read(app, lambda s: s.scalars(select(ContactAttempt)).all()) == []


def test_an_unknown_choice_is_refused_beside_the_field(app, clinician, world):
    page = f"/team/alerts/{world.ours.alert}/outcome"
    response = _record(clinician, page, outcome="emailed", note="kept")
    assert response.status_code == 400
    assert "Select what was done" in plain(response) and "kept" in plain(response)
    assert read(app, lambda s: s.scalars(select(ContactAttempt)).all()) == []
