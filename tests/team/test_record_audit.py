"""The audit trail of a patient's record is on the team's record too (issue 19, item 18):
newest first, a page at a time, and only for the team's own patients."""

from __future__ import annotations

from datetime import timedelta

from tests.team.conftest import database, plain
from tracker.clock import SYSTEM
from tracker.patients.models import Patient
from tracker.team import audit
from tracker.team.models import PAUSED, VIEWED_ALERT


def _add_views(app, staff_id: int, patient_id: int, count: int) -> None:
    """`count` views of an alert, a minute apart, the latest an hour ago."""
    start = SYSTEM.now() - timedelta(hours=1, minutes=count)
    with database(app) as s:
        patient = s.get(Patient, patient_id)
        for i in range(count):
            audit.record(s, staff_id, VIEWED_ALERT, patient, now=start + timedelta(minutes=i))
        s.commit()


def test_the_record_shows_who_has_looked_at_it_newest_first(app, clinician, world):
    with database(app) as s:
        patient = s.get(Patient, world.ours.patient)
        audit.record(s, world.ours.admin, PAUSED, patient, now=SYSTEM.now() - timedelta(days=1))
        s.commit()
    body = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    section = body[body.index("Who has looked at this record") :]
    # This very view is on record before the page is sent, so it comes first.
    looked = section.index("Clin a, Breast Care Looked at the diary and record")
    paused = section.index("Admin a, Breast Care Paused monitoring")
    assert looked < paused
    assert "Page 1 of 1 (2 in all)" in section


def test_the_trail_is_paged_and_a_page_out_of_range_is_the_nearest(app, clinician, world):
    _add_views(app, world.ours.admin, world.ours.patient, audit.PAGE_SIZE + 5)
    first = clinician.get(f"/team/patients/{world.ours.patient}")
    body = plain(first)
    assert "Page 1 of 2 (26 in all)" in body
    assert body.count("Looked at an alert") == audit.PAGE_SIZE - 1  # the view itself is first
    assert f"/team/patients/{world.ours.patient}?seen_page=2#seen" in first.get_data(as_text=True)
    second = plain(clinician.get(f"/team/patients/{world.ours.patient}?seen_page=2"))
    assert "Page 2 of 2 (27 in all)" in second
    assert second.count("Looked at an alert") == 7
    for typed in ("99", "-4", "abc", "0", "1e9"):
        response = clinician.get(f"/team/patients/{world.ours.patient}?seen_page={typed}")
        assert response.status_code == 200, typed
        assert "Who has looked at this record" in plain(response)


def test_another_teams_trail_stays_with_its_team(app, clinician, world):
    _add_views(app, world.theirs.clinician, world.theirs.patient, 3)
    body = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "Clin b" not in body
    assert clinician.get(f"/team/patients/{world.theirs.patient}?seen_page=1").status_code == 404
