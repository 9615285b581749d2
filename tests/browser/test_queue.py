"""The queue sorted, filtered and paged; an alert taken on and a call that was not answered; and
enrolment with an NHS number and date of birth (issue 19, items 16 and 17), each page checked by
axe. Phone-sized, as every browser test here."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.test_team import _arrange, sign_in_as_clinician
from tracker.clock import SYSTEM

pytestmark = pytest.mark.browser


def _another_sam_with_an_emergency(app, live_server) -> None:
    """A second patient with the live server's patient's name, told apart by NHS number, with
    an emergency alert; the first Sam's NHS number recorded too."""
    from tests.conftest import make_patient
    from tracker import db
    from tracker.alerts.services import apply_findings
    from tracker.patients.models import Patient
    from tracker.rules.engine import Finding

    with app.app_context():
        s = db.session()
        first = s.scalar(select(Patient).where(Patient.email == live_server.email))
        first.nhs_number, first.date_of_birth = "9990000042", date(1961, 5, 9)
        other = make_patient(
            s,
            first.team,
            name=first.name,
            email="sam.other@example.test",
            nhs_number="9990000050",
            date_of_birth=date(1983, 10, 30),
            email_consent_at=SYSTEM.now(),
        )
        today = SYSTEM.today("Europe/London")
        finding = Finding("seizure", "emergency", ("red_flag",), today, today, 0, "t", today)
        apply_findings(s, other.id, [finding])
        s.commit()


def test_the_queue_is_filtered_an_alert_taken_on_and_a_call_not_answered(app, live_server, page):
    _arrange(app, live_server)
    _another_sam_with_an_emergency(app, live_server)
    sign_in_as_clinician(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Alerts and requests waiting for your team"
    )
    # Two patients called Sam Patient, told apart by NHS number and date of birth.
    expect(page.get_by_text("NHS number 999 000 0042")).to_be_visible()
    expect(page.get_by_text("NHS number 999 000 0050")).to_be_visible()
    expect(page.get_by_text("Born 30 October 1983")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    expect(page.get_by_label("Urgency")).to_be_hidden()  # folded away until wanted
    page.get_by_text("Sort and filter", exact=True).click()
    page.get_by_label("Urgency").select_option("soon")
    page.get_by_label("Sort by").select_option("oldest")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"urgency=soon"))
    expect(page.get_by_label("Urgency")).to_have_value("soon")  # the choice is kept
    expect(page.get_by_label("Sort by")).to_have_value("oldest")
    expect(page.get_by_text("1 waiting that matches this filter")).to_be_visible()
    expect(page.get_by_text("NHS number 999 000 0050")).to_have_count(0)
    assert_accessible(page)

    # The queue's other lists have pages of their own, for a big team's.
    for path, heading in (
        ("/team/quiet/", "Patients not heard from"),
        ("/team/answered/", "Answered by the patient"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page)
    page.goto("/team/?urgency=soon&sort=oldest")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Record what was done")).first.click()
    expect(page).to_have_url(re.compile(r"/team/alerts/\d+/outcome$"))
    expect(page.get_by_text("999 000 0042")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Give this alert to").select_option("me")
    page.get_by_role("button", name="Save who has it").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("who has this")
    expect(page.get_by_label("Give this alert to")).to_have_value("me")
    assert_accessible(page)

    page.get_by_label("Tried to call, no answer").check()
    page.locator("#note").fill("Rang at 10; no voicemail.")
    page.get_by_role("button", name="Save what was done").click()
    expect(page).to_have_url(re.compile(r"/team/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("stays open")
    expect(
        page.get_by_text(
            re.compile(r"Tried to call, no answer — \w+day \d+ \w+, \d\d:\d\d, by Jo Clinician")
        )
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_text("Sort and filter", exact=True).click()
    page.get_by_label("Who has it").select_option("me")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_text("1 waiting that matches this filter")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Jo Clinician"))).to_be_visible()
    assert_accessible(page)


def test_enrolment_checks_the_nhs_number_and_date_of_birth(app, live_server, page):
    _arrange(app, live_server)
    sign_in_as_clinician(page)
    assert_accessible(page)
    page.goto("/team/patients/new")
    assert_accessible(page)
    page.locator("#name").fill("Robin Example")
    page.locator("#nhs_number").fill("999 000 0019")  # the check digit should be 8
    page.locator("#dob-day").fill("2")
    page.locator("#dob-month").fill("7")
    page.locator("#dob-year").fill(str(SYSTEM.today("Europe/London").year + 1))
    page.locator("#email").fill("robin@example.test")
    page.get_by_role("button", name="Add patient and make their link").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("not a valid NHS number")
    expect(summary).to_contain_text("must be in the past")
    expect(page.locator("#nhs_number-error")).to_be_visible()
    expect(page.locator("#nhs_number")).to_have_value("999 000 0019")  # what was typed is kept
    expect(page.locator("#dob-day")).to_have_value("2")
    assert_accessible(page)
    summary.get_by_role("link", name=re.compile("NHS number")).click()
    expect(page.locator("#nhs_number")).to_be_focused()

    page.locator("#nhs_number").fill("999 000 0018")
    page.locator("#dob-year").fill("1971")
    page.get_by_role("button", name="Add patient and make their link").click()
    expect(page.get_by_text("We have sent the patient a link")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Go to the patient's record").click()
    expect(page.get_by_text("999 000 0018")).to_be_visible()
    expect(page.get_by_text("2 July 1971")).to_be_visible()
    assert_accessible(page)


def test_the_patients_no_message_reaches_are_named_on_the_queue_and_listed_in_full(
    app, live_server, page
):
    from tests.conftest import make_patient
    from tracker import db
    from tracker.patients.models import Patient
    from tracker.team.views.alerts import UNREACHABLE_SHOWN

    _arrange(app, live_server)
    count = UNREACHABLE_SHOWN + 2
    with app.app_context():
        s = db.session()
        team = s.scalar(select(Patient).where(Patient.email == live_server.email)).team
        for n in range(count):  # an account, but no consent to email or texts
            make_patient(s, team, name=f"Unreached {n:02d}", email=f"unreached{n}@example.test")
    sign_in_as_clinician(page)

    section = page.get_by_role("heading", name="Patients we cannot send messages to")
    expect(section).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Unreached"))).to_have_count(UNREACHABLE_SHOWN)
    assert_accessible(page)

    page.get_by_role("link", name="See every patient we cannot send messages to").click()
    expect(page).to_have_url(re.compile(r"/team/patients/\?show=unreachable$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients we cannot send messages to")
    expect(page.get_by_text(f"{count} patients, by name")).to_be_visible()
    expect(page.get_by_text("No email or text reaches them")).to_have_count(count)
    expect(page.get_by_role("link", name="Sam Patient")).to_have_count(0)  # reached by email
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)


def _long_lists(app, live_server, count: int) -> None:
    """`count` patients not heard from and `count` alerts answered, in the live server's team."""
    from datetime import timedelta

    from tests.conftest import make_patient
    from tests.team.conftest import add_alert_row, add_quiet_spell
    from tracker import db
    from tracker.patients.models import Patient

    with app.app_context():
        s = db.session()
        team = s.scalar(select(Patient).where(Patient.email == live_server.email)).team
        now = SYSTEM.now()
        for n in range(count):
            quiet = make_patient(s, team, name=f"Quiet {n:02}", email=f"q{n}@example.test")
            add_quiet_spell(s, quiet.id)
            answered = make_patient(s, team, name=f"Answered {n:02}", email=f"a{n}@example.test")
            add_alert_row(
                s,
                answered.id,
                status="acknowledged",
                opened_at=now - timedelta(days=2),
                closed_at=now - timedelta(minutes=n),
            )
        s.commit()


def test_a_big_teams_queue_shows_the_first_of_each_list_and_links_to_the_rest(
    app, live_server, page
):
    from tracker.team.queue_filter import PAGE_SIZE

    _arrange(app, live_server)
    _long_lists(app, live_server, PAGE_SIZE + 1)
    sign_in_as_clinician(page)
    assert_accessible(page)
    page.get_by_role("link", name=f"See all {PAGE_SIZE + 1} patients not heard from").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients not heard from")
    expect(page.get_by_text("page 1 of 2")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Next")).click()
    expect(page.get_by_text("page 2 of 2")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to alerts and requests").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^See all .* alerts answered by the patient")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answered by the patient")
    expect(page.get_by_text("Answered 00")).to_be_visible()
    assert_accessible(page)
