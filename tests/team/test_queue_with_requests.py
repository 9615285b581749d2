"""Patients' requests to be contacted in the team's queue, listed with the alerts (issue 21):
most urgent first, then soonest due; filtered and paged with them; a past-due one marked and
counted; the queue's GET writes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import make_patient
from tests.team.conftest import (
    add_request,
    database,
    make_staff,
    open_alert,
    plain,
    read,
    staff_sign_in_as,
)
from tracker.contact_requests import services as contact_requests
from tracker.contact_requests.models import BY_PHONE, ContactRequest
from tracker.rules import load_rules
from tracker.team import queue
from tracker.team.models import ContactAttempt, Staff, StaffAccess, Team
from tracker.team.queue_filter import PAGE_SIZE, QueueFilter, read_filter


def _lines(app, staff_id: int, chosen: QueueFilter | None = None) -> list[tuple[str, int]]:
    """The queue's first page for a member, as (kind, id) in order."""

    def page(s):
        found = queue.queue_page(s, s.get(Staff, staff_id), load_rules(), chosen or QueueFilter())
        return [(r.kind, r.alert_id if r.kind == "alert" else r.request_id) for r in found.rows]

    return read(app, page)


def _ticking_alerts(s, patient, words: str, today) -> int:
    """A request from the patient's form with every open alert ticked. Returns its id."""
    ticked = [c for c in contact_requests.choices(s, patient, today) if c.alert_id]
    asked = contact_requests.Asked(ticked, words, BY_PHONE, "0118 496 0555", None, words)
    row, _ = contact_requests.make_request(s, patient, asked)
    s.commit()
    return row.id


def test_a_request_is_as_urgent_as_the_most_urgent_alert_ticked_else_soon(app, clock, world):
    with database(app) as s:
        patient = make_patient(s, s.get(Team, world.ours.team), name="Asker", email="a@x.test")
        open_alert(s, patient.id, "bone_pain", "soon", ("new",))
        open_alert(s, patient.id, "headache", "same_day", ("red_flag",))
        ticking = _ticking_alerts(s, patient, "Please call", clock.today("Europe/London"))
        assert s.get(ContactRequest, ticking).urgency == "same_day"
        assert s.get(ContactRequest, world.ours.request).urgency == "soon"  # nothing ticked


def test_requests_are_ordered_with_alerts_by_urgency_then_due_time(app, clock, world):
    with database(app) as s:
        team = s.get(Team, world.ours.team)
        urgent = make_patient(s, team, name="Urgent", email="u@x.test")
        same_day_alert = open_alert(s, urgent.id, "headache", "same_day", ("red_flag",))
        today = clock.today("Europe/London")
        same_day_request = _ticking_alerts(s, urgent, "Please call today", today)
    lines = _lines(app, world.ours.clinician)
    # Most urgent first; within an urgency, an alert is due when raised, a request at the end
    # of its due day; `soon`: our patient's alert, then their request (nothing ticked).
    assert lines == [
        ("alert", same_day_alert),
        ("request", same_day_request),
        ("alert", world.ours.alert),
        ("request", world.ours.request),
    ]
    assert ("request", world.theirs.request) not in lines  # another team's


def test_a_past_due_request_comes_before_an_alert_of_its_urgency_raised_after_its_due_time(
    app, clock, world
):
    with database(app) as s:  # its due day ended before the alert was raised
        s.get(ContactRequest, world.ours.request).due_at = clock.now() - timedelta(days=30)
        s.commit()
    assert _lines(app, world.ours.clinician)[:2] == [
        ("request", world.ours.request),
        ("alert", world.ours.alert),
    ]


def test_the_queue_shows_a_request_with_its_due_day_and_counts_and_marks_those_past_due(
    app, clock, clinician, world
):
    response = clinician.get("/team/")
    page = plain(response)
    assert "2 waiting" in page and "Most urgent first, then soonest due" in page
    assert "Asked to be contacted Their own words" in page
    assert "Due by the end of" in page and "No alert ticked" in page
    assert "See the request and record what was done" in page
    assert "past due" not in page.lower()
    with database(app) as s:  # its due day is over (the clock stays: sessions time out)
        s.get(ContactRequest, world.ours.request).due_at = clock.now() - timedelta(seconds=1)
        s.commit()
    response = clinician.get("/team/")
    html = response.get_data(as_text=True)
    assert "1 request to be contacted is past due" in plain(response)
    assert 'href="/team/?status=past_due"' in html
    assert html.count('app-past-due"') == 1 and "Past due" in plain(response)
    assert "Patient b" not in plain(response)  # another team's
    assert read(app, lambda s: list(s.scalars(select(StaffAccess)))) == []  # the GET writes nothing


def test_past_due_shows_only_requests_whose_due_day_is_over(app, clock, clinician, world):
    with database(app) as s:
        patient = make_patient(s, s.get(Team, world.ours.team), name="Later", email="l@x.test")
        later = add_request(s, patient, words="Any time")
        s.get(ContactRequest, world.ours.request).due_at = clock.now() - timedelta(seconds=1)
        s.commit()
    assert _lines(app, world.ours.clinician, read_filter({"status": "past_due"})) == [
        ("request", world.ours.request)
    ]
    assert ("request", later) in _lines(app, world.ours.clinician)
    page = plain(clinician.get("/team/?status=past_due"))
    assert "1 waiting that matches this filter" in page and "Record what was done about" not in page


def test_show_chooses_alerts_or_requests_and_the_old_requests_address_goes_to_the_requests(
    app, clinician, world
):
    assert _lines(app, world.ours.clinician, read_filter({"kind": "alerts"})) == [
        ("alert", world.ours.alert)
    ]
    assert _lines(app, world.ours.clinician, read_filter({"kind": "requests"})) == [
        ("request", world.ours.request)
    ]
    # The patient answers alerts, not requests: those statuses show alerts alone.
    assert _lines(app, world.ours.clinician, read_filter({"status": "not_answered"})) == [
        ("alert", world.ours.alert)
    ]
    # Nothing can be both a request and unanswered: an empty page, not an error.
    chosen = read_filter({"kind": "requests", "status": "not_answered"})
    assert _lines(app, world.ours.clinician, chosen) == []
    page = plain(clinician.get("/team/?kind=requests&status=not_answered"))
    assert "Nothing waiting matches this filter." in page
    response = clinician.get("/team/requests/")
    assert response.status_code == 302 and response.location.endswith("/team/?kind=requests")


def test_who_has_it_and_tried_filter_requests_as_they_do_alerts(app, clock, clinician, world):
    with database(app) as s:
        s.get(ContactRequest, world.ours.request).assigned_staff_id = world.ours.clinician
        s.add(
            ContactAttempt(
                patient_id=world.ours.patient,
                contact_request_id=world.ours.request,
                staff_id=world.ours.clinician,
                attempt="no_answer",
                at=clock.now(),
            )
        )
        s.commit()
    me = world.ours.clinician
    assert _lines(app, me, read_filter({"assigned": "me"})) == [("request", world.ours.request)]
    assert _lines(app, me, read_filter({"assigned": str(me)})) == [("request", world.ours.request)]
    assert _lines(app, me, read_filter({"assigned": "nobody"})) == [("alert", world.ours.alert)]
    assert _lines(app, me, read_filter({"status": "tried"})) == [("request", world.ours.request)]
    page = plain(clinician.get("/team/?assigned=me"))
    assert "Clin a Tried to call, no answer" in page


def test_more_lines_than_a_page_are_paged_with_the_alerts(app, clinician, world):
    with database(app) as s:
        team = s.get(Team, world.ours.team)
        for n in range(PAGE_SIZE):
            asker = make_patient(s, team, name=f"Asker {n:02d}", email=f"ask{n}@example.test")
            add_request(s, asker, words=f"Please call me, {n}")
    total = PAGE_SIZE + 2  # and our patient's alert and request
    first = plain(clinician.get("/team/"))
    assert f"{total} waiting: page 1 of 2" in first
    second = clinician.get("/team/?page=2").get_data(as_text=True)
    assert second.count("See the request and record what was done") == 2
    assert "page 2 of 2" in plain(clinician.get("/team/?page=99"))


def test_a_member_of_another_team_sees_none_of_ours(app, world):
    with database(app) as s:
        other = make_staff(s, "other@example.test", world.theirs.team).id
    assert ("request", world.ours.request) not in _lines(app, other)
    assert ("request", world.theirs.request) in _lines(app, other)
    client = app.test_client()
    staff_sign_in_as(client, other)
    assert "Patient a" not in plain(client.get("/team/?kind=requests"))
