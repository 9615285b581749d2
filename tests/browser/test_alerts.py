"""A patient logs something urgent on a phone, is told what to do at once, and answers the alert."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in
from tests.browser.test_diary import choose_symptom

pytestmark = pytest.mark.browser

SAME_DAY = "Contact your treating team today"
EMERGENCY = "Call 999 now"


def log_symptom(page, code: str, severity: str = "3") -> None:
    """From the diary's home page, log one symptom for today and save it."""
    page.get_by_role("button", name="Add symptoms").click()
    expect(page).to_have_url(re.compile(r"/diary/log$"))
    choose_symptom(page, code)
    page.locator(f'input[name="severity-{code}"][value="{severity}"]').check()
    page.get_by_role("button", name="Save to my diary").click()


def test_coughing_up_blood_is_raised_at_once_and_can_be_answered(signed_in_page):
    page = signed_in_page
    assert_accessible(page)  # /diary/, with no alerts yet
    expect(page.get_by_role("heading", name="What to do now")).to_have_count(0)

    log_symptom(page, "coughing_blood")
    expect(page).to_have_url(re.compile(r"/diary/saved$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(SAME_DAY)
    card = page.locator(".nhsuk-card--care--urgent")
    expect(card).to_contain_text("Coughing up blood")
    expect(card).to_contain_text("call NHS 111")
    expect(card.get_by_role("link", name="0118 496 0000")).to_have_attribute(
        "href", "tel:+441184960000"
    )
    assert_accessible(page)

    page.get_by_role("link", name="Go to your diary").click()
    expect(page).to_have_url(re.compile(r"/diary/$"))
    alert = page.locator(".nhsuk-card--care--urgent")
    expect(alert).to_have_count(1)
    expect(alert.get_by_role("heading", level=3)).to_contain_text(SAME_DAY)
    expect(alert).to_contain_text("Coughing up blood")
    expect(alert).to_contain_text("your team asks to hear about on the same day")
    assert_accessible(page)

    alert.get_by_role("button", name="I have contacted my team").click()
    expect(page).to_have_url(re.compile(r"/diary/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "you have contacted your team"
    )
    expect(page.locator(".nhsuk-card--care")).to_have_count(0)
    expect(page.get_by_role("heading", name="What to do now")).to_have_count(0)
    assert_accessible(page)


def test_a_seizure_says_call_999_and_the_alert_can_be_marked_as_gone(signed_in_page):
    page = signed_in_page
    assert_accessible(page)

    log_symptom(page, "seizure")
    expect(page).to_have_url(re.compile(r"/diary/saved$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(EMERGENCY)
    expect(page.locator(".nhsuk-card--care--emergency")).to_contain_text("go to A&E")
    assert_accessible(page)

    page.get_by_role("link", name="Go to your diary").click()
    alert = page.locator(".nhsuk-card--care--emergency")
    expect(alert.get_by_role("heading", level=3)).to_contain_text(EMERGENCY)
    assert_accessible(page)

    alert.get_by_role("button", name="This has gone away").click()
    # The answer is a resolved mark in the diary, assessed at once (rules version 2, §4): a
    # seizure today is still reported, whatever came after it (§3), so the page says so again.
    expect(page).to_have_url(re.compile(r"/diary/saved$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(EMERGENCY)
    expect(page.get_by_text("We have noted that this has gone away.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Go to your diary").click()
    expect(page.locator(".nhsuk-card--care")).to_have_count(0)  # answered: for the team now
    assert_accessible(page)


def test_several_open_alerts_are_listed_most_urgent_first(app, live_server, page):
    from datetime import timedelta

    from sqlalchemy import select

    from tracker import db
    from tracker.alerts.services import apply_findings
    from tracker.clock import SYSTEM
    from tracker.patients.models import Patient
    from tracker.rules.engine import Finding

    today = SYSTEM.today("Europe/London")
    start = today - timedelta(days=15)
    found = [
        ("bone_pain", "soon", ("new", "persistent", "worsening"), start),
        ("jaundice", "same_day", ("red_flag",), today),
    ]
    with app.app_context():
        s = db.session()
        patient = s.scalar(select(Patient).where(Patient.email == live_server.email))
        findings = [
            Finding(code, urgency, reasons, begun, today, (today - begun).days, "test", begun)
            for code, urgency, reasons, begun in found
        ]
        apply_findings(s, patient.id, findings)
        s.commit()

    sign_in(page, live_server)
    cards = page.locator(".nhsuk-card--care")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_class(re.compile("nhsuk-card--care--urgent"))
    expect(cards.nth(0).get_by_role("heading", level=3)).to_contain_text(SAME_DAY)
    expect(cards.nth(1)).to_have_class(re.compile("nhsuk-card--care--non-urgent"))
    expect(cards.nth(1)).to_contain_text("it has lasted 2 weeks or more")
    expect(cards.nth(1)).to_contain_text("it has been getting worse")
    assert_accessible(page)


def test_a_save_shows_every_finding_most_urgent_first_on_a_phone(app, live_server, page):
    """The page that confirms a save (rules §4): a seizure and a lump logged now, over bone pain
    logged for two weeks before: three findings, two urgencies, most urgent first."""
    from datetime import timedelta

    from sqlalchemy import select

    from tests.detection.stored import store, symptom
    from tracker import db
    from tracker.clock import SYSTEM
    from tracker.patients.models import Patient

    today = SYSTEM.today("Europe/London")
    with app.app_context():
        s = db.session()
        patient = s.scalar(select(Patient).where(Patient.email == live_server.email))
        days = [today - timedelta(days=n) for n in (16, 11, 6, 1)]
        store(
            s,
            patient.id,
            [symptom(d, "bone_pain", v) for d, v in zip(days, (3, 3, 6, 6), strict=True)],
        )
        s.commit()

    sign_in(page, live_server)
    assert_accessible(page)
    page.get_by_role("button", name="Add symptoms").click()
    assert_accessible(page)
    for code in ("seizure", "lump"):
        page.locator(f'input[name="symptoms"][value="{code}"]').check()
    go_on = page.get_by_role("button", name="Continue", exact=True)
    if go_on.count():
        go_on.click()
        assert_accessible(page)
    for code in ("seizure", "lump"):
        page.locator(f'input[name="severity-{code}"][value="4"]').check()
    page.get_by_role("button", name="Save to my diary").click()

    expect(page).to_have_url(re.compile(r"/diary/saved$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(EMERGENCY)
    cards = page.locator(".nhsuk-card--care")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_class(re.compile("nhsuk-card--care--emergency"))
    expect(cards.nth(0)).to_contain_text("A fit")
    expect(cards.nth(1)).to_have_class(re.compile("nhsuk-card--care--non-urgent"))
    expect(cards.nth(1).get_by_role("heading", level=2)).to_contain_text(
        "Contact your treating team in the next few days"
    )
    expect(cards.nth(1)).to_contain_text("it has been getting worse")
    expect(cards.nth(1).get_by_role("link", name="0118 496 0000")).to_have_attribute(
        "href", "tel:+441184960000"
    )
    assert_accessible(page)

    page.get_by_role("link", name="Go to your diary").click()
    expect(page.locator(".nhsuk-card--care")).to_have_count(3)  # every finding's alert, open
    assert_accessible(page)
