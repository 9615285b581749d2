"""The queue sorted, filtered and paged in the database, alerts given to a clinician (issue 19,
item 16; issue 24, item 4), and the patient list paged. A GET writes nothing; a query string a
browser can send never gives an error."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.conftest import csrf_from, make_patient
from tests.inputs.conftest import error_beside, snapshot
from tests.team.conftest import add_alert_row, database, make_staff, open_alert, plain, read
from tracker.alerts.models import Alert
from tracker.clock import SYSTEM
from tracker.rules import load_rules
from tracker.rules.urgency import Urgency, rank
from tracker.team import queue
from tracker.team.models import AlertAssignment, Staff, StaffAccess, Team
from tracker.team.queue_filter import PAGE_SIZE, QueueFilter, page_numbers, read_filter


def test_the_urgency_codes_sort_alphabetically_from_the_most_urgent():
    """The queue's default order is ORDER BY urgency, served by ix_alerts_waiting_urgency: it
    is right only while the codes' alphabetical order is the urgency order."""
    codes = [u.value for u in Urgency]
    assert sorted(codes) == sorted(codes, key=rank, reverse=True)


def _alerts(app, world) -> dict[str, int]:
    """Our patient's bone pain alert (soon, 15 days) and two more: same day and emergency."""
    with database(app) as s:
        same_day = open_alert(s, world.ours.patient, "fracture", "same_day", ("red_flag",), 2)
        emergency = open_alert(s, world.ours.patient, "seizure", "emergency", ("red_flag",), 0)
        # Raised at different times: the bone pain first, then the emergency, then same day.
        now = SYSTEM.now()
        for alert_id, hours_ago in ((world.ours.alert, 30), (emergency, 20), (same_day, 10)):
            s.get(Alert, alert_id).opened_at = now - timedelta(hours=hours_ago)
        s.commit()
    return {"soon": world.ours.alert, "same_day": same_day, "emergency": emergency}


def _ids(app, world, chosen: QueueFilter, who: str = "clinician", side: str = "ours") -> list[int]:
    with database(app) as s:
        member = s.get(Staff, getattr(getattr(world, side), who))
        rows = queue.queue_page(s, member, load_rules(), chosen).rows
        return [r.alert_id for r in rows if r.kind == "alert"]  # the world's request aside


def test_the_queue_sorts_by_urgency_or_age(app, world):
    a = _alerts(app, world)
    assert _ids(app, world, QueueFilter()) == [a["emergency"], a["same_day"], a["soon"]]
    assert _ids(app, world, QueueFilter(sort="oldest")) == [
        a["soon"],
        a["emergency"],
        a["same_day"],
    ]
    assert _ids(app, world, QueueFilter(sort="newest")) == [
        a["same_day"],
        a["emergency"],
        a["soon"],
    ]


def test_the_queue_filters_by_urgency_status_and_who_has_it(app, clinician, world):
    a = _alerts(app, world)
    assert _ids(app, world, QueueFilter(urgency="same_day")) == [a["same_day"]]
    with database(app) as s:
        s.get(Alert, a["emergency"]).status = "acknowledged"  # still waits: only the team closes
        s.commit()
    assert _ids(app, world, QueueFilter(status="answered")) == [a["emergency"]]
    assert _ids(app, world, QueueFilter(status="not_answered")) == [a["same_day"], a["soon"]]
    token = csrf_from(clinician, f"/team/alerts/{a['soon']}/outcome")
    clinician.post(
        f"/team/alerts/{a['soon']}/outcome",
        data={"csrf_token": token, "outcome": "no_answer"},
    )
    assert _ids(app, world, QueueFilter(status="tried")) == [a["soon"]]
    clinician.post(
        f"/team/alerts/{a['same_day']}/assign", data={"csrf_token": token, "assignee": "me"}
    )
    assert _ids(app, world, QueueFilter(assigned="me")) == [a["same_day"]]
    assert _ids(app, world, QueueFilter(assigned="me"), who="admin") == []
    assert _ids(app, world, QueueFilter(assigned=str(world.ours.clinician)), who="admin") == [
        a["same_day"]
    ]
    assert _ids(app, world, QueueFilter(assigned="nobody")) == [a["emergency"], a["soon"]]


def test_each_member_sees_their_own_teams_choices_through_the_one_statement_built(app, world):
    """The queue's statement is built once for each shape of choice (tracker.team.queue): the
    member's teams, the urgency and the member chosen are its parameters, never its text."""
    a = _alerts(app, world)
    with database(app) as s:
        theirs_urgent = open_alert(s, world.theirs.patient, "seizure", "emergency", ("red_flag",))
    assert _ids(app, world, QueueFilter()) == [a["emergency"], a["same_day"], a["soon"]]
    assert _ids(app, world, QueueFilter(), side="theirs") == [theirs_urgent, world.theirs.alert]
    assert _ids(app, world, QueueFilter(urgency="soon")) == [a["soon"]]
    assert _ids(app, world, QueueFilter(urgency="emergency")) == [a["emergency"]]
    assert _ids(app, world, QueueFilter(urgency="emergency"), side="theirs") == [theirs_urgent]
    assert queue.shape_of(QueueFilter(urgency="soon", assigned="7", page=3)) == queue.shape_of(
        QueueFilter(urgency="emergency", assigned="8")
    )


def test_the_filter_is_a_get_form_that_keeps_what_was_chosen(app, clinician, world):
    _alerts(app, world)
    body = clinician.get("/team/?sort=oldest&urgency=same_day&status=not_answered").get_data(
        as_text=True
    )
    assert '<form method="get"' in body
    assert '<option value="oldest" selected>' in body
    assert '<option value="same_day" selected>' in body
    assert '<option value="not_answered" selected>' in body
    assert "1 waiting that matches this filter" in plain(clinician.get("/team/?urgency=same_day"))


@pytest.mark.parametrize(
    "query",
    [
        "sort=sideways",
        "page=-3",
        "page=abc",
        "page=0",
        "page=99999999999999999999999999",
        "urgency=%00",
        "assigned=-1",
        "assigned=99999999999999999999",
        "status=closed&urgency=later",
        "page=2&page=x",
    ],
)
def test_a_query_string_a_browser_can_send_gives_a_page_not_an_error(app, clinician, world, query):
    response = clinician.get(f"/team/?{query}")
    assert response.status_code == 200
    assert "Alerts and requests waiting for your team" in plain(response)


def test_reading_the_queue_writes_nothing(app, clinician, world):
    _alerts(app, world)
    before = snapshot(app)
    for query in ("", "?sort=newest&assigned=nobody", "?page=7"):
        assert clinician.get(f"/team/{query}").status_code == 200
    assert snapshot(app) == before


def _many_waiting(app, world, count: int) -> None:
    """`count` more waiting alerts for our team, written as rows: one per patient, so the
    one-open-alert-per-series index lets them all be open."""
    with database(app) as s:
        team = s.get(Team, world.ours.team)
        now = SYSTEM.now()
        for n in range(count):
            p = make_patient(s, team, name=f"Many {n:03}", email=f"many{n}@example.test")
            add_alert_row(s, p.id, opened_at=now - timedelta(minutes=n))
        s.commit()


def _outcome_links(body: str) -> int:
    return len(re.findall(r'href="/team/alerts/\d+/outcome"', body))


def test_the_queue_is_paged_and_a_page_past_the_end_is_the_last(app, clinician, world):
    _many_waiting(app, world, PAGE_SIZE + 10)  # with our own alert and request: 37 lines
    first = clinician.get("/team/")
    assert _outcome_links(first.get_data(as_text=True)) == PAGE_SIZE
    assert 'aria-label="Pages of alerts and requests"' in first.get_data(as_text=True)
    assert "page 1 of 2" in plain(first)
    last = clinician.get("/team/?page=2&sort=oldest")
    assert _outcome_links(last.get_data(as_text=True)) == 11  # and the request, made last
    assert "page 2 of 2" in plain(last)
    # The choice goes with the pages.
    assert 'href="/team/?sort=oldest"' in last.get_data(as_text=True)  # page 1: no number
    first_oldest = clinician.get("/team/?sort=oldest").get_data(as_text=True)
    assert 'href="/team/?sort=oldest&amp;page=2"' in first_oldest
    assert "page 2 of 2" in plain(clinician.get("/team/?page=4000&sort=oldest"))


def test_the_patient_list_is_paged(app, clinician, world):
    _many_waiting(app, world, PAGE_SIZE + 5)
    first = clinician.get("/team/patients/")
    assert 'aria-label="Pages of patients"' in first.get_data(as_text=True)
    assert "page 1 of 2" in plain(first) and "Many 000" in plain(first)
    second = plain(clinician.get("/team/patients/?page=2"))  # by name: "Patient a" comes last
    assert "page 2 of 2" in second and "Patient a" in second and "Many 000" not in second
    for query in ("page=-3", "page=abc", "page=99999999999999999999999"):
        assert clinician.get(f"/team/patients/?{query}").status_code == 200


def test_page_numbers_show_the_ends_and_the_neighbours():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(5, 9) == [1, None, 4, 5, 6, None, 9]
    assert page_numbers(2, 3) == [1, 2, 3]
    assert read_filter({"page": "-3", "sort": "x"}) == QueueFilter()


# ---- giving an alert to a clinician ------------------------------------------------------------


def _assign(client, alert_id: int, assignee: str):
    page = f"/team/alerts/{alert_id}/outcome"
    token = csrf_from(client, page)
    return client.post(
        f"/team/alerts/{alert_id}/assign", data={"csrf_token": token, "assignee": assignee}
    )


def _held(app, alert_id: int) -> int | None:
    row = read(app, lambda s: s.get(AlertAssignment, alert_id))
    return row.staff_id if row else None


def test_an_alert_is_given_to_me_to_a_named_member_and_back_to_nobody_audited(
    app, clinician, world
):
    alert = world.ours.alert
    assert _assign(clinician, alert, "me").status_code == 302
    assert _held(app, alert) == world.ours.clinician
    assert "Clin a" in plain(clinician.get("/team/"))
    assert _assign(clinician, alert, str(world.ours.admin)).status_code == 302
    assert _held(app, alert) == world.ours.admin
    assert _assign(clinician, alert, "").status_code == 302
    assert _held(app, alert) is None
    audit = read(
        app,
        lambda s: [
            (a.action, a.detail)
            for a in s.scalars(
                select(StaffAccess)
                .where(StaffAccess.action.in_(("alert_assigned", "alert_unassigned")))
                .order_by(StaffAccess.id)
            )
        ],
    )
    assert audit == [
        ("alert_assigned", f"alert {alert} to staff {world.ours.clinician}"),
        ("alert_assigned", f"alert {alert} to staff {world.ours.admin}"),
        ("alert_unassigned", f"alert {alert}"),
    ]


def test_an_alert_is_given_only_to_a_member_of_the_patients_team(app, clinician, world):
    with database(app) as s:
        stranger = make_staff(s, "stranger@example.test", name="No Team").id
    for assignee in (str(world.theirs.clinician), str(stranger), "someone"):
        response = _assign(clinician, world.ours.alert, assignee)
        assert response.status_code == 400
        said = error_beside(response.get_data(as_text=True), "assignee")
        assert "member of" in said
    assert _held(app, world.ours.alert) is None


def test_a_closed_alert_is_not_given_to_anyone(app, clinician, world):
    token = csrf_from(clinician, f"/team/alerts/{world.ours.alert}/outcome")
    clinician.post(
        f"/team/alerts/{world.ours.alert}/outcome",
        data={"csrf_token": token, "outcome": "contacted"},
    )
    assert _assign(clinician, world.ours.alert, "me").status_code == 302
    assert _held(app, world.ours.alert) is None


def test_each_order_reads_only_the_waiting_alerts_from_their_partial_index(app, world):
    """With a team's history of closed alerts far larger than what waits, the queue reads the
    waiting ones from a partial index (never every alert ever raised), then sorts them with the
    open requests: the planner's own choice, once the tables' statistics are known."""
    with database(app) as s:
        if s.get_bind().dialect.name != "postgresql":
            pytest.skip("the plan is PostgreSQL's")
        team = s.get(Team, world.ours.team)
        closed_at = SYSTEM.now() - timedelta(days=400)
        for n in range(100):
            p = make_patient(s, team, name=f"Past {n:03}", email=f"past{n}@example.test")
            for k in range(20):
                add_alert_row(s, p.id, series=f"fatigue-{k}", status="closed", closed_at=closed_at)
        s.commit()
        for table in ("alerts", "patients", "contact_requests"):
            s.execute(text(f"ANALYZE {table}"))
        member = s.get(Staff, world.ours.clinician)
        for sort in ("urgency", "oldest", "newest"):
            chosen = QueueFilter(sort=sort)
            query = queue.counted_page(queue.shape_of(chosen)).params(
                queue.values(member, chosen, SYSTEM.now()) | {"offset": 0}
            )
            compiled = query.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            plan = "\n".join(r[0] for r in s.execute(text(f"EXPLAIN {compiled}")))
            assert "ix_alerts_waiting_" in plan, plan
            assert "Seq Scan on alerts" not in plan, plan
