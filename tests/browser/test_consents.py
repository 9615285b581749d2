"""Rules v2 §4 on a phone: a patient no channel reaches sees the banner on every diary page and
can fix it; turning prompts off asks first and says what they will miss."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

BANNER = "We cannot send you messages about your diary"


def _prompts(app, email: str, on: bool) -> None:
    from tracker import db
    from tracker.clock import SYSTEM
    from tracker.patients.models import Patient

    with app.app_context():
        s = db.session()
        patient = s.scalar(select(Patient).where(Patient.email == email))
        patient.email_consent_at = SYSTEM.now() if on else None
        patient.sms_consent_at = SYSTEM.now() if on else None
        s.commit()


def test_a_patient_no_channel_reaches_sees_the_banner_and_fixes_it(app, page, live_server):
    _prompts(app, live_server.email, on=False)
    sign_in(page, live_server)

    banner = page.locator(".nhsuk-notification-banner", has_text=BANNER)
    expect(banner).to_be_visible()
    assert_accessible(page)  # /diary/ with the banner
    page.goto("/diary/history")
    expect(banner).to_be_visible()  # every diary page, from the one layout
    assert_accessible(page)

    banner.get_by_role("link", name="Choose how we contact you").click()
    expect(page).to_have_url(re.compile(r"/settings/contact-preferences$"))
    expect(page.get_by_text("We cannot send you these messages")).to_be_visible()
    assert_accessible(page)  # the preferences page, at phone size

    page.locator('input[name="prompts"][value="email"]').check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("saved")
    assert_accessible(page)
    page.goto("/diary/")
    expect(page.get_by_text(BANNER)).to_have_count(0)
    assert_accessible(page)


def test_turning_prompts_off_asks_first_and_says_what_they_will_miss(app, page, live_server):
    _prompts(app, live_server.email, on=True)
    sign_in(page, live_server)
    assert_accessible(page)
    page.goto("/settings/contact-preferences")
    assert_accessible(page)

    page.locator('input[name="prompts"][value="email"]').uncheck()
    page.locator('input[name="prompts"][value="sms"]').uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stop messages about your diary by email and text message?"
    )
    expect(page.get_by_text("No message from us would reach you")).to_be_visible()
    assert_accessible(page)  # the confirmation page

    page.get_by_role("button", name=re.compile("^Yes, stop")).click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("saved")
    assert_accessible(page)
    page.goto("/diary/")
    expect(page.get_by_text(BANNER)).to_be_visible()
    assert_accessible(page)
