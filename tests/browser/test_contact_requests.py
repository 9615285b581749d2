"""A patient asks their team to contact them from an alert card, and the team handles it: a
call not answered keeps it open, an outcome closes it and the patient's diary says so (issue 21).
Phone-sized, each page checked by axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE, sign_in
from tests.browser.test_team import _arrange, sign_in_as_clinician
from tracker.clock import SYSTEM

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_patient_asks_from_an_alert_card_and_the_team_handles_it(app, browser, live_server, page):
    _arrange(app, live_server)  # an open "soon" alert on bone pain, and a clinician
    sign_in(page, live_server)
    card = page.locator("#open-alerts-title").locator("..")
    expect(card).to_contain_text("If you cannot get through, ask your team to contact you")
    assert_accessible(page)

    card.get_by_role("link", name="ask your team to contact you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask your team to contact you")
    expect(page.get_by_text("This is not for urgent problems")).to_be_visible()
    assert _fits(page)
    assert_accessible(page)

    # Nothing ticked and nothing written: refused beside the field, the number kept.
    page.get_by_label("Call me on another number").check()
    page.get_by_label("Another phone number").fill("0118 496 0123")
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Tick what you would like to talk about, or write it in your own words"
    )
    expect(page.get_by_label("Another phone number")).to_have_value("0118 496 0123")
    assert_accessible(page)

    page.get_by_label("Bone pain").check()
    page.get_by_label("In your own words").fill("It wakes me at night now.")
    page.get_by_label("Good times to contact you (optional)").fill("Weekday mornings")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request has been sent")
    expect(page.get_by_text("They aim to contact you by")).to_be_visible()
    expect(page.get_by_role("heading", name="If it gets worse before then")).to_be_visible()
    assert _fits(page)
    assert_accessible(page)

    page.get_by_role("link", name="Go to your diary").click()
    expect(page.get_by_text("Your request to be contacted")).to_be_visible()
    assert_accessible(page)

    _past_due(app)  # as if the team's target had passed: the queue marks and counts it
    page.reload()  # and the patient is told whom to call
    expect(page.get_by_text("have not recorded doing so")).to_be_visible()
    expect(page.get_by_text("If you have not heard from them, call")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="See your request").click()
    expect(page.get_by_role("heading", name="If it gets worse", exact=True)).to_be_visible()
    assert_accessible(page)
    page.go_back()
    assert_accessible(page)

    # The team's side, in a context of its own.
    team = browser.new_context(base_url=live_server.url, bypass_csp=True, **PHONE).new_page()
    from tests.browser import axe

    axe.track(team, "team-handles-request")
    sign_in_as_clinician(team)
    line = team.locator("tr", has_text="Asked to be contacted")
    expect(line).to_contain_text("Past due")
    expect(team.get_by_role("link", name="1 request to be contacted is past due")).to_be_visible()
    assert _fits(team)
    assert_accessible(team)
    team.get_by_role("link", name=re.compile("^See the request and record what was done")).click()
    expect(team.get_by_role("heading", level=1)).to_have_text("Request to be contacted")
    expect(team.get_by_text("It wakes me at night now.")).to_be_visible()
    expect(team.get_by_text("Weekday mornings")).to_be_visible()
    assert _fits(team)
    assert_accessible(team)

    team.get_by_label("Tried to call, no answer").check()
    team.get_by_role("button", name="Save what was done").click()
    expect(team.locator(".nhsuk-notification-banner--success")).to_contain_text("stays open")
    expect(line).to_contain_text("Tried to call, no answer")
    assert_accessible(team)

    team.get_by_role("link", name=re.compile("^See the request and record what was done")).click()
    assert_accessible(team)
    team.get_by_label("Appointment booked").check()
    team.get_by_role("button", name="Save what was done").click()
    expect(team.locator(".nhsuk-notification-banner--success")).to_contain_text("closed")
    expect(team.locator("tr", has_text="Asked to be contacted")).to_have_count(0)
    assert_accessible(team)
    team.context.close()

    page.reload()
    expect(page.get_by_text("arranged an appointment for you")).to_be_visible()
    assert_accessible(page)


def _past_due(app) -> None:
    from datetime import timedelta

    from tracker import db
    from tracker.contact_requests.models import ContactRequest

    with app.app_context():
        s = db.session()
        row = s.scalars(select(ContactRequest)).one()
        row.due_at = SYSTEM.now() - timedelta(seconds=1)
        s.commit()


def test_a_paused_patient_is_told_whom_to_call(app, live_server, page):
    from tracker import db
    from tracker.patients.models import Patient

    with app.app_context():
        s = db.session()
        s.scalar(
            select(Patient).where(Patient.email == live_server.email)
        ).monitoring_status = "paused"
        s.commit()
    sign_in(page, live_server)
    assert_accessible(page)
    page.goto("/diary/contact-me")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact your team by phone")
    assert _fits(page)
    assert_accessible(page)


def test_a_team_administrator_sees_the_figures(app, live_server, page):
    from tracker.team.models import TEAM_ADMIN

    _arrange(app, live_server, role=TEAM_ADMIN)
    sign_in_as_clinician(page)
    assert_accessible(page)
    page.get_by_role("link", name="Teams").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Breast Care Team").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Change the team's details")).first.click()
    assert_accessible(page)
    page.get_by_label("When patients who ask to be contacted can expect it").fill("12")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("from 1 to 10")
    assert_accessible(page)
    page.get_by_label("When patients who ask to be contacted can expect it").fill("2")
    page.get_by_role("button", name="Save").click()
    assert_accessible(page)
    page.goto("/team/teams/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Requests to be contacted")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests to be contacted")
    expect(page.get_by_role("row", name=re.compile("No contact yet|hours"))).to_have_count(1)
    assert_accessible(page)
