"""A service administrator, on a phone, adds a team and a new member of staff to it; the new
member sets up their account from the emailed link, read from the outbox (issue 22, item 5)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.test_recovery import choose_staff_password
from tests.browser.test_team import CLINICIAN_EMAIL, _arrange, sign_in_as_clinician
from tracker.clock import SYSTEM
from tracker.team import totp
from tracker.team.models import TEAM_ADMIN, Staff

pytestmark = pytest.mark.browser


def _make_service_admin(app) -> None:
    from tracker import db

    with app.app_context():
        s = db.session()
        s.scalar(select(Staff).where(Staff.email == CLINICIAN_EMAIL)).is_service_admin = True
        s.commit()


def test_a_service_admin_adds_a_team_and_a_new_member_who_sets_up_their_account(
    app, page, live_server
):
    _arrange(app, live_server, role=TEAM_ADMIN)
    _make_service_admin(app)
    sign_in_as_clinician(page)
    assert_accessible(page)

    page.get_by_role("button", name="More").click()  # the phone's header keeps the rest here
    page.get_by_role("link", name="Teams", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    assert_accessible(page)
    page.get_by_role("link", name="Add a team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a team")
    assert_accessible(page)

    page.get_by_label("Team name").fill("Lymphoedema Clinic")
    page.get_by_label("Phone number for patients").fill("not a number")
    page.get_by_role("button", name="Add the team").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the hospital")
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.get_by_label("Team name")).to_have_value("Lymphoedema Clinic")  # kept
    assert_accessible(page)

    page.get_by_label("Hospital", exact=True).fill("Example General Hospital")
    page.get_by_label("Phone number for patients").fill("0118 496 0777")
    page.get_by_label("Email address", exact=True).fill("lymph@example.test")
    page.get_by_label("Hours", exact=True).fill("Monday to Thursday, 9am to 4pm")
    page.get_by_label("What to do out of hours").fill("Call NHS 111. In an emergency, call 999.")
    page.get_by_role("button", name="Add the team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lymphoedema Clinic")
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("team has been")
    assert_accessible(page)

    page.get_by_label("Their name").fill("Sam Ward")
    page.get_by_label("Their work email address").fill("sam.ward@example.test")
    page.get_by_label("Team administrator").check()
    page.get_by_role("button", name="Add to the team").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("emailed them")
    expect(page.get_by_text("Made a staff account for Sam Ward")).to_be_visible()
    expect(page.get_by_text("Added Sam Ward as a team administrator")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    choose_staff_password(app, page, "staff_welcome", "the lighthouse keeper's cat")

    from tracker import db

    with app.app_context():
        secret = db.session().scalar(
            select(Staff.totp_secret).where(Staff.email == "sam.ward@example.test")
        )
    page.locator("#code").fill(totp.code_at(secret, SYSTEM.now()))
    page.get_by_role("button", name="Turn on and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert_accessible(page)
