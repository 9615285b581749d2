"""The queue's lists of patients not heard from and of alerts the patient answered: the queue
shows the first few and links to a page of each, paged, so a big team's queue stays one page's
work (issue 24, item 4)."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.conftest import make_patient
from tests.team.conftest import (
    add_alert_row,
    add_quiet_spell,
    database,
    make_staff,
    plain,
    staff_sign_in_as,
)
from tracker.clock import SYSTEM
from tracker.team.models import Team
from tracker.team.queue_filter import PAGE_SIZE
from tracker.team.views.alerts import SHOWN


def _quiet_patients(app, world, count: int) -> None:
    with database(app) as s:
        team = s.get(Team, world.ours.team)
        for n in range(count):
            p = make_patient(s, team, name=f"Quiet {n:02}", email=f"quiet{n}@example.test")
            add_quiet_spell(s, p.id)


def _answered(app, world, count: int) -> list[int]:
    """`count` soon alerts answered by their patients, the first answered most recently."""
    ids = []
    with database(app) as s:
        team = s.get(Team, world.ours.team)
        now = SYSTEM.now()
        for n in range(count):
            p = make_patient(s, team, name=f"Answered {n:02}", email=f"ans{n}@example.test")
            alert = add_alert_row(
                s,
                p.id,
                status="acknowledged",
                opened_at=now - timedelta(days=2),
                closed_at=now - timedelta(minutes=n),
            )
            s.flush()
            ids.append(alert.id)
        s.commit()
    return ids


def _quiet_links(body: str) -> int:
    return len(re.findall(r'href="/team/quiet/\d+/outcome"', body))


def test_the_queue_shows_the_first_patients_not_heard_from_and_links_to_them_all(
    app, clinician, world
):
    _quiet_patients(app, world, PAGE_SIZE + 1)  # and our own patient's: PAGE_SIZE + 2
    total = PAGE_SIZE + 2
    queue = clinician.get("/team/").get_data(as_text=True)
    assert _quiet_links(queue) == SHOWN
    assert f"{total} patients to call, oldest first; the first {SHOWN} are shown" in plain(
        clinician.get("/team/")
    )
    assert f'<a href="/team/quiet/">See all {total} patients not heard from</a>' in queue
    first = clinician.get("/team/quiet/")
    assert _quiet_links(first.get_data(as_text=True)) == PAGE_SIZE
    assert "page 1 of 2" in plain(first)
    last = clinician.get("/team/quiet/?page=9")
    assert _quiet_links(last.get_data(as_text=True)) == 2 and "page 2 of 2" in plain(last)


def test_the_queue_shows_the_latest_answered_alerts_and_links_to_them_all(app, clinician, world):
    ids = _answered(app, world, SHOWN + 2)
    page = plain(clinician.get("/team/"))
    assert f"the first {SHOWN} are shown" in page
    assert f"See all {SHOWN + 2} alerts answered by the patient" in page
    assert "Answered 00" in page and "Answered 11" not in page  # the most recent first
    everything = plain(clinician.get("/team/answered/"))
    names = re.findall(r"Answered \d\d", everything)
    assert names == [f"Answered {n:02}" for n in range(len(ids))]


def test_short_lists_have_no_link_and_another_teams_lists_are_not_shown(app, clinician, world):
    _answered(app, world, 1)
    queue = clinician.get("/team/").get_data(as_text=True)
    assert "See all" not in queue
    with database(app) as s:
        other = make_staff(s, "other@example.test", world.theirs.team).id
    client = app.test_client()
    staff_sign_in_as(client, other)
    for path in ("/team/quiet/", "/team/answered/"):
        response = client.get(path)
        assert response.status_code == 200 and "Patient a" not in plain(response)
        assert "Answered 00" not in plain(response)


def test_the_lists_pages_and_a_requests_page_are_under_alerts_in_the_navigation(clinician, world):
    for path in ("/team/quiet/", "/team/answered/", f"/team/requests/{world.ours.request}"):
        body = clinician.get(path).get_data(as_text=True)
        current = re.search(r'aria-current="page"[^>]*>\s*<strong[^>]*>([^<]+)</strong>', body)
        assert current and current.group(1) == "Alerts", path
