"""Quiet patients (rules §4b) in the team's patient list and, once per quiet spell, in the queue;
the team records what was done like any other queue item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from jobs import quiet as quiet_job
from tests.conftest import csrf_from, make_patient
from tests.team.conftest import database, plain, read, staff_sign_in_as
from tracker.clock import SYSTEM
from tracker.diary.services import SymptomReport, record_check_in, record_resolved, record_symptoms
from tracker.patients.models import ACTIVE, PAUSED, Patient
from tracker.team.models import QuietSpell, StaffAccess
from tracker.team.quiet import day_month_year

HEARD_AT = datetime(2026, 10, 3, 11, 0, tzinfo=UTC)  # a Saturday, 12:00 in London
HEARD = HEARD_AT.date()
QUIET_DAYS = 35


@pytest.fixture
def quiet_world(app, world, clock):
    """Our team's second patient, who logged a headache on 3 October 2026 and then nothing.
    The world's own spells are taken off the queue so that only what the job raises is there."""
    clock.set(HEARD_AT)
    with database(app) as s:
        for spell in s.scalars(select(QuietSpell)):
            s.delete(spell)
        team = s.get(Patient, world.ours.patient).team
        p = make_patient(s, team, name="Quinn Quiet", email="quinn@example.test")
        record_symptoms(s, p, HEARD - timedelta(days=2), [SymptomReport("headache", 4)])
        record_symptoms(s, p, HEARD, [SymptomReport("headache", 5)])
        s.commit()
        return p.id


def _at(clock, days_after_heard: int) -> None:
    clock.set(HEARD_AT + timedelta(days=days_after_heard))


def _spells(app, patient_id: int) -> list[QuietSpell]:
    """The patient's quiet spells, oldest first."""
    query = select(QuietSpell).where(QuietSpell.patient_id == patient_id).order_by(QuietSpell.id)
    return read(app, lambda s: s.scalars(query).all())


def test_not_quiet_a_day_before_quiet_days_and_quiet_on_the_day(app, clinician, clock, quiet_world):
    _at(clock, QUIET_DAYS - 1)
    quiet_job.run(app)
    assert _spells(app, quiet_world) == []
    assert "Not heard from since 3 October 2026" not in plain(clinician.get("/team/patients/"))

    _at(clock, QUIET_DAYS)
    listing = plain(clinician.get("/team/patients/"))
    assert "Quinn Quiet" in listing and "Quiet Not heard from since 3 October 2026" in listing
    quiet_job.run(app)
    (spell,) = _spells(app, quiet_world)
    assert spell.last_heard == HEARD and spell.quiet_from == HEARD + timedelta(days=QUIET_DAYS)


def test_a_quiet_patient_with_a_symptom_not_marked_gone_is_queued_once(
    app, clinician, clock, quiet_world
):
    _at(clock, QUIET_DAYS)
    quiet_job.run(app)
    _at(clock, QUIET_DAYS + 10)
    assert quiet_job.run(app) == 0  # the same spell: not again
    assert len(_spells(app, quiet_world)) == 1
    queue = plain(clinician.get("/team/"))
    assert "Patients not heard from" in queue and "Quinn Quiet" in queue
    assert "Not heard from since 3 October 2026; last noted: " in queue
    assert "last logged 3 October 2026 (not marked as gone)" in queue


def test_a_symptom_with_a_finding_is_noted_in_the_teams_words(app, clock, world):
    # The world's patients logged bone pain today, with an open alert: a finding.
    clock.set(SYSTEM.now() + timedelta(days=QUIET_DAYS))  # the world logged "today"
    with database(app) as s:
        for spell in s.scalars(select(QuietSpell)):
            s.delete(spell)
        s.commit()
    assert quiet_job.run(app) == 2  # ours and theirs, each once
    clinician = app.test_client()
    staff_sign_in_as(clinician, world.ours.clinician)  # signed in as of the new time
    queue = plain(clinician.get("/team/"))
    assert "Patient a" in queue and "Patient b" not in queue  # only our team's patients
    assert "Bone pain, last logged" in queue
    assert "getting worse" in queue  # the finding's reasons, as the queue words them


def test_a_quiet_patient_whose_symptoms_were_marked_gone_is_listed_but_not_queued(
    app, clinician, clock, quiet_world
):
    with database(app) as s:
        record_resolved(s, s.get(Patient, quiet_world), "headache", HEARD)
        s.commit()
    _at(clock, QUIET_DAYS)
    assert quiet_job.run(app) == 0
    assert "Not heard from since 3 October 2026" in plain(clinician.get("/team/patients/"))


def test_a_paused_patient_is_never_quiet_and_leaves_the_queue(
    app, clinician, clock, world, quiet_world
):
    _at(clock, QUIET_DAYS)
    quiet_job.run(app)
    with database(app) as s:
        s.get(Patient, quiet_world).monitoring_status = PAUSED
        s.commit()
    assert "Quinn Quiet" not in plain(clinician.get("/team/"))
    assert "Not heard from" not in plain(clinician.get("/team/patients/"))
    with database(app) as s:
        p = s.get(Patient, quiet_world)
        p.monitoring_status, p.status_changed_at = ACTIVE, HEARD_AT + timedelta(days=QUIET_DAYS)
        s.commit()
    # Restarted: counted afresh from the restart, so not quiet again for quiet_days.
    _at(clock, 2 * QUIET_DAYS - 1)
    clinician = app.test_client()
    staff_sign_in_as(clinician, world.ours.clinician)  # signed in as of the new time
    assert "Not heard from" not in plain(clinician.get("/team/patients/"))
    assert "Quinn Quiet" in plain(clinician.get("/team/"))  # the spell raised before still waits


def test_heard_from_again_then_quiet_again_is_a_new_spell(app, clock, quiet_world):
    _at(clock, QUIET_DAYS)
    quiet_job.run(app)
    _at(clock, QUIET_DAYS + 5)
    with database(app) as s:
        p = s.get(Patient, quiet_world)
        record_symptoms(s, p, clock.today("Europe/London"), [SymptomReport("headache", 4)])
        s.commit()
    _at(clock, 2 * QUIET_DAYS + 4)
    assert quiet_job.run(app) == 0
    _at(clock, 2 * QUIET_DAYS + 5)
    assert quiet_job.run(app) == 1
    assert [q.last_heard for q in _spells(app, quiet_world)] == [
        HEARD,
        HEARD + timedelta(days=QUIET_DAYS + 5),
    ]


def test_no_new_symptoms_counts_as_hearing_from_them(app, clinician, clock, quiet_world):
    _at(clock, 20)
    with database(app) as s:
        record_check_in(s, s.get(Patient, quiet_world), clock.today("Europe/London"))
        s.commit()
    _at(clock, QUIET_DAYS)
    assert "Not heard from" not in plain(clinician.get("/team/patients/"))
    _at(clock, 20 + QUIET_DAYS)
    checked_in = day_month_year(HEARD + timedelta(days=20))
    assert f"Not heard from since {checked_in}" in plain(clinician.get("/team/patients/"))
    # The headache lapsed long before the check-in: asked about since, so no call is needed.
    assert quiet_job.run(app) == 0


def test_a_patient_never_heard_from_is_counted_from_enrolment(app, clinician, clock, world):
    clock.set(datetime(2026, 3, 1, 12, tzinfo=UTC))
    with database(app) as s:
        team = s.get(Patient, world.ours.patient).team
        make_patient(s, team, name="Nel New", email="nel@example.test")
    # Enrolled on 1 January 2026 (make_patient) and never heard from.
    assert "Nothing from them since they joined on 1 January 2026" in plain(
        clinician.get("/team/patients/")
    )


def _record(client, spell_id: int, **data):
    page = f"/team/quiet/{spell_id}/outcome"
    data["csrf_token"] = csrf_from(client, page)
    return client.post(page, data=data)


def test_recording_what_was_done_takes_them_off_the_queue(app, clinician, world):
    page = plain(clinician.get(f"/team/quiet/{world.ours.quiet}/outcome"))
    assert "Record what was done" in page and "Not heard from since" in page
    response = _record(clinician, world.ours.quiet, outcome="contacted", note="Phoned, all well.")
    assert response.status_code == 302 and response.headers["Location"] == "/team/"
    spell = read(app, lambda s: s.get(QuietSpell, world.ours.quiet))
    assert (spell.outcome, spell.note, spell.staff_id) == (
        "contacted",
        "Phoned, all well.",
        world.ours.clinician,
    )
    assert "Patients not heard from" in plain(clinician.get("/team/"))
    assert "Patient a" not in plain(clinician.get("/team/")).split("Patients not heard from")[1]
    audit = read(
        app,
        lambda s: s.scalar(
            select(StaffAccess).where(StaffAccess.action == "quiet_outcome_recorded")
        ),
    )
    assert audit.detail == f"quiet {world.ours.quiet}"  # which item, never the note
    again = _record(clinician, world.ours.quiet, outcome="tests")
    assert again.status_code == 200 and "already been recorded" in plain(again)
    assert read(app, lambda s: s.get(QuietSpell, world.ours.quiet).outcome) == "contacted"


def test_an_outcome_without_a_choice_is_refused_beside_the_field_keeping_the_note(
    app, clinician, world
):
    response = _record(clinician, world.ours.quiet, outcome="", note="Tried twice")
    page = response.get_data(as_text=True)
    assert response.status_code == 400  # the house's answer to a form with errors
    assert "Select what was done" in page and "Tried twice" in page
    assert read(app, lambda s: s.get(QuietSpell, world.ours.quiet).outcome) is None


def test_another_teams_quiet_patient_is_not_found(app, clinician, world):
    assert clinician.get(f"/team/quiet/{world.theirs.quiet}/outcome").status_code == 404
    assert _record(clinician, world.theirs.quiet, outcome="contacted").status_code == 404
    assert read(app, lambda s: s.get(QuietSpell, world.theirs.quiet).outcome) is None


def test_the_patient_sees_that_the_team_noted_what_it_did(app, clinician, world):
    _record(clinician, world.ours.quiet, outcome="contacted")
    with database(app) as s:
        rows = s.scalars(
            select(StaffAccess).where(StaffAccess.patient_id == world.ours.patient)
        ).all()
    assert {"viewed_quiet", "quiet_outcome_recorded"} <= {r.action for r in rows}
