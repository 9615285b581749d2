"""Who has looked at a patient's record (issue 19, items 6 and 18): the team's record and the
patient's settings page show one audit trail, grouped by person and day, newest first, a page
at a time, grouped and paged by the database; only for the team's own patients."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from tests.conftest import sign_in_as
from tests.team.conftest import database, plain
from tracker.clock import SYSTEM
from tracker.patients import from_team
from tracker.patients.models import Patient
from tracker.team import audit
from tracker.team.models import PAUSED, VIEWED_ALERT, VIEWED_RECORD


def words(response) -> str:
    """plain(), with the space a tag leaves before a comma taken out."""
    return plain(response).replace(" ,", ",")


def _add(app, staff_id: int, patient_id: int, action: str, *moments: datetime) -> None:
    with database(app) as s:
        patient = s.get(Patient, patient_id)
        for at in moments:
            audit.record(s, staff_id, action, patient, now=at)
        s.commit()


def _patient_client(app, patient_id: int):
    client = app.test_client()
    with database(app) as s:
        sign_in_as(client, s.get(Patient, patient_id))
    return client


def test_the_record_shows_who_has_looked_at_it_newest_first(app, clinician, world):
    _add(app, world.ours.admin, world.ours.patient, PAUSED, SYSTEM.now() - timedelta(days=1))
    body = words(clinician.get(f"/team/patients/{world.ours.patient}"))
    section = body[body.index("Who has looked at this record") :]
    # This very view is on record before the page is sent, so it comes first.
    looked = section.index("Clin a, Breast Care Looked at the diary and record at ")
    paused = section.index("Admin a, Breast Care Paused monitoring at ")
    assert looked < paused


def test_a_persons_day_is_one_line_with_how_often_and_between_when(app, world):
    """14 looks and an alert on one day: one group, each kind counted, in the patient's words
    on their settings page and in the team's on the record."""
    looks = [datetime(2026, 7, 1, 8, 2, tzinfo=UTC) + timedelta(minutes=38 * i) for i in range(14)]
    _add(app, world.ours.clinician, world.ours.patient, VIEWED_RECORD, *looks)
    _add(app, world.ours.clinician, world.ours.patient, VIEWED_ALERT, looks[3])
    # 08:02 to 16:16 UTC on 1 July is 9:02am to 5:16pm in London (summer time).
    settings = words(_patient_client(app, world.ours.patient).get("/settings/"))
    assert (
        "Wednesday 1 July 2026 Clin a, Breast Care "
        "Looked at your diary and record 14 times, between 9:02am and 5:16pm "
        "Looked at an alert from your diary at 10:56am"
    ) in settings
    assert settings.count("Clin a, Breast Care") == 1


def test_days_are_the_readers_days(app, world):
    """A look at 23:30 UTC on 1 July is 2 July in London: grouped by the patient's own day."""
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    _add(app, world.ours.clinician, world.ours.patient, VIEWED_RECORD, late - timedelta(hours=2))
    _add(app, world.ours.clinician, world.ours.patient, VIEWED_RECORD, late)
    settings = words(_patient_client(app, world.ours.patient).get("/settings/"))
    assert (
        "Thursday 2 July 2026 Clin a, Breast Care Looked at your diary and record at 12:30am"
        in (settings)
    )
    assert (
        "Wednesday 1 July 2026 Clin a, Breast Care Looked at your diary and record at 10:30pm"
        in (settings)
    )
    with database(app) as s:
        page = from_team.access_page(
            s, world.ours.patient, 1, "America/New_York", {}, "Looked", "You"
        )
    assert [(d.day.isoformat(), [x.times for x in d.doings]) for d in page.days] == [
        ("2026-07-01", [2])
    ]


def test_the_trail_is_paged_by_person_day_and_a_bad_page_is_the_nearest(app, world):
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    size = from_team.ACCESS_PAGE_SIZE
    # Two people a day for size + 1 days, each looking twice: 2 * (size + 1) person-days.
    for person in (world.ours.clinician, world.ours.admin):
        days = [start + timedelta(days=n, minutes=m) for n in range(size + 1) for m in (0, 5)]
        _add(app, person, world.ours.patient, VIEWED_RECORD, *days)
    client = _patient_client(app, world.ours.patient)
    first = client.get("/settings/")
    body = words(first)
    assert "Page 1 of 3" in body
    assert body.count("Looked at your diary and record 2 times") == size
    assert "Thursday 11 June 2026" in body and "Saturday 6 June 2026" not in body
    assert "/settings/?seen_page=2#seen" in first.get_data(as_text=True)
    last = words(client.get("/settings/?seen_page=3"))
    assert "Page 3 of 3" in last
    assert last.count("Looked at your diary and record 2 times") == 2
    assert "Monday 1 June 2026" in last
    for typed in ("99", "-4", "abc", "0", "1e9", "9" * 40):
        response = client.get(f"/settings/?seen_page={typed}")
        assert response.status_code == 200, typed
        assert "Who has looked at your record" in plain(response)
    assert "Page 3 of 3" in words(client.get("/settings/?seen_page=99"))


def test_grouping_and_paging_are_done_by_the_database(app, world):
    """Many looks, few rows read: each query groups, and the page's only limits what it reads."""
    many = [datetime(2026, 5, 1, 6, tzinfo=UTC) + timedelta(minutes=7 * i) for i in range(400)]
    _add(app, world.ours.clinician, world.ours.patient, VIEWED_RECORD, *many)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = app.extensions["engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with database(app) as s:
            page = from_team.access_page(
                s, world.ours.patient, 1, "Europe/London", {}, "Looked", "You"
            )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 3
    assert all(re.search(r"GROUP BY", q) for q in statements)
    assert sum(len(d.doings) for d in page.days) == len(page.days) == 3  # 1 to 3 May
    assert sum(d.doings[0].times for d in page.days) == 400


def test_another_teams_trail_stays_with_its_team(app, clinician, world):
    _add(app, world.theirs.clinician, world.theirs.patient, VIEWED_ALERT, SYSTEM.now())
    assert "Clin b" not in plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert clinician.get(f"/team/patients/{world.theirs.patient}?seen_page=1").status_code == 404
    assert "Clin b" not in plain(_patient_client(app, world.ours.patient).get("/settings/"))


def test_the_team_pages_its_trail_the_same_way(app, clinician, world):
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    days = [start + timedelta(days=n) for n in range(from_team.ACCESS_PAGE_SIZE + 3)]
    _add(app, world.ours.admin, world.ours.patient, PAUSED, *days)
    first = clinician.get(f"/team/patients/{world.ours.patient}")
    assert "Page 1 of 2" in plain(first)
    assert f"/team/patients/{world.ours.patient}?seen_page=2#seen" in first.get_data(as_text=True)
    second = words(clinician.get(f"/team/patients/{world.ours.patient}?seen_page=9"))
    assert "Page 2 of 2" in second
    assert "Monday 1 June 2026 Admin a, Breast Care Paused monitoring at 10:00am" in second
