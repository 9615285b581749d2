"""Rules v2 §4: a patient no channel reaches for prompts is flagged in the team's queue and
patient list, only to their own team, and only while monitored with an account set up."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert, text, update

from tests.conftest import make_patient
from tests.team.conftest import database, plain
from tracker.clock import SYSTEM
from tracker.notify.models import SmsOptOut
from tracker.patients import reachability
from tracker.patients.models import PAUSED, Patient
from tracker.team.models import Team
from tracker.team.queue_filter import PAGE_SIZE
from tracker.team.views import alerts as alerts_views

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


def _cut_off_many(app, world, count: int) -> list[int]:
    with database(app) as s:
        team = s.get(Team, world.ours.team)
        return [
            make_patient(s, team, name=f"Cut Off {n:02d}", email=f"cut{n}@example.test").id
            for n in range(count)
        ]


def test_the_queue_names_the_first_few_and_links_to_the_filtered_patient_list(
    app, clinician, world
):
    shown = alerts_views.UNREACHABLE_SHOWN
    ids = _cut_off_many(app, world, shown + 3)

    queue = clinician.get("/team/").get_data(as_text=True)
    section = queue[queue.index(QUEUE_HEADING) :]
    assert "Cut Off 00" in section and f"Cut Off {shown - 1:02d}" in section
    assert f"Cut Off {shown:02d}" not in section
    assert 'href="/team/patients/?show=unreachable"' in section

    listing = plain(clinician.get("/team/patients/?show=unreachable"))
    assert QUEUE_HEADING in listing
    assert f"{len(ids)} patients, by name" in listing
    assert all(f"Cut Off {n:02d}" in listing for n in range(len(ids)))
    assert "Patient a" not in listing  # reached by email


def test_the_filtered_patient_list_is_paged_and_keeps_the_filter(app, clinician, world):
    _cut_off_many(app, world, PAGE_SIZE + 2)

    first = clinician.get("/team/patients/?show=unreachable").get_data(as_text=True)
    assert first.count(FLAG) == PAGE_SIZE
    assert "/team/patients/?page=2&amp;show=unreachable" in first
    second = plain(clinician.get("/team/patients/?show=unreachable&page=2"))
    assert f"Cut Off {PAGE_SIZE + 1:02d}" in second and "Cut Off 00" not in second


def test_the_filtered_patient_list_never_shows_another_teams_patient(app, clinician, world):
    _cut_off(app, world.theirs.patient)
    listing = plain(clinician.get("/team/patients/?show=unreachable"))
    assert "Patient b" not in listing
    assert "Every patient being monitored can be sent messages." in listing


def test_first_unreachable_is_the_head_of_the_full_list(app, world):
    _cut_off_many(app, world, 7)
    with database(app) as s:
        everyone = reachability.unreachable_patients(s, [world.ours.team])
        assert len(everyone) == 7
        head = reachability.first_unreachable(s, [world.ours.team], 3)
        assert [p.id for p in head] == [p.id for p in everyone[:3]]


def test_a_list_longer_than_a_batch_is_read_whole_and_in_order(app, world, monkeypatch):
    # Batches of two, over names shared across a batch's edge: each batch starts after the last
    # (name, id) of the one before, so no patient is lost or read twice.
    monkeypatch.setattr(reachability, "BATCH", 2)
    with database(app) as s:
        team = s.get(Team, world.ours.team)
        names = ["Bea", "Ann", "Ann", "Bea", "Ann"]
        cut = [
            make_patient(s, team, name=name, email=f"cut{n}@example.test")
            for n, name in enumerate(names)
        ]
        make_patient(s, team, name="Ann", email="texts@example.test", sms_consent_at=SYSTEM.now())
        expected = [p.id for p in sorted(cut, key=lambda p: (p.name, p.id))]
        assert [p.id for p in reachability.unreachable_patients(s, [team.id])] == expected
        assert [p.id for p in reachability.first_unreachable(s, [team.id], 3)] == expected[:3]


def test_the_patient_list_flags_only_from_the_patients_on_its_page(app, world):
    ids = _cut_off_many(app, world, 4)
    with database(app) as s:
        page = [s.get(Patient, ids[0]), s.get(Patient, world.ours.patient)]
        assert reachability.unreachable_among(s, page) == {ids[0]}
        assert reachability.unreachable_among(s, []) == set()


def test_the_quick_answer_for_email_prompts_agrees_with_the_full_decision(app, world):
    from itertools import product

    from tracker.notify.models import PROMPT
    from tracker.notify.outbox import reach

    with database(app) as s:
        team = s.get(Team, world.ours.team)
        s.add(
            SmsOptOut(
                number="+447700900999", opted_out=True, source="keyword", changed_at=SYSTEM.now()
            )
        )
        s.commit()
        numbers = (None, "+447700900999", "+447700900001")  # none, said STOP, fine
        cases = product((None, SYSTEM.now()), (None, SYSTEM.now()), numbers)
        for n, (by_email, by_text, mobile) in enumerate(cases):
            patient = make_patient(
                s,
                team,
                email=f"case{n}@example.test",
                email_consent_at=by_email,
                sms_consent_at=by_text,
                mobile=mobile,
            )
            full = not reach(s, patient).for_purpose(PROMPT)
            assert reachability.reaches_no_one(s, patient) == full, (by_email, by_text, mobile)


def test_the_queue_finds_the_unreachable_from_an_index_of_the_few_without_email_prompts(app, world):
    """Only a patient without prompts by email can be unreachable: the queue reads them from a
    partial index of those few, never every patient of a big team."""
    with database(app) as s:
        if s.get_bind().dialect.name != "postgresql":
            pytest.skip("the plan is PostgreSQL's")
        many = [
            dict(
                team_id=world.ours.team,
                name=f"Reached {n:04}",
                email=f"reached{n}@example.test",
                timezone="Europe/London",
                enrolled_on=SYSTEM.today("Europe/London"),
                password_hash="not a real hash",
                email_consent_at=SYSTEM.now(),
            )
            for n in range(3000)
        ]
        s.execute(insert(Patient), many)
        s.commit()
        s.execute(text("ANALYZE patients"))
    _cut_off(app, world.ours.patient)
    seen = []

    def executed(conn, cursor, statement, parameters, *_):
        if "FROM patients" in statement and not seen:
            seen.append((statement, parameters))

    with database(app) as s:
        event.listen(s.get_bind(), "before_cursor_execute", executed)
        try:
            found = reachability.first_unreachable(s, [world.ours.team], 11)
        finally:
            event.remove(s.get_bind(), "before_cursor_execute", executed)
        assert [p.id for p in found] == [world.ours.patient]
        [(statement, parameters)] = seen
        plan = "\n".join(
            r[0] for r in s.connection().exec_driver_sql("EXPLAIN " + statement, parameters)
        )
    assert "ix_patients_no_email_prompts" in plan, plan
    assert "Seq Scan on patients" not in plan, plan
