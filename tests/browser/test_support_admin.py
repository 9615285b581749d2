"""A service administrator signs in (password, then a TOTP code), opens the support directory's
administration and adds a service; every page checked by axe.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import PASSWORD
from tracker.clock import SYSTEM
from tracker.team.models import Staff

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
EMAIL = "sam.directory@example.test"


@pytest.fixture
def service_admin(app, live_server):
    from tracker import db
    from tracker.auth.passwords import hash_password

    with app.app_context(), db.transaction() as s:
        s.add(
            Staff(
                name="Sam Directory",
                email=EMAIL,
                password_hash=hash_password(PASSWORD),
                totp_secret=SECRET,
                totp_enabled_at=SYSTEM.now(),
                is_service_admin=True,
            )
        )
    return live_server


def test_a_service_admin_adds_a_service(page, service_admin):
    page.goto("/team/sign-in")
    assert_accessible(page)
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/team/sign-in/code$"))
    assert_accessible(page)
    page.locator("#code").fill(pyotp.TOTP(SECRET).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/team/$"))
    assert_accessible(page)

    page.goto("/team/support/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Support directory")
    expect(page.get_by_text("There are no services yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Add a service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a service")
    assert_accessible(page)

    page.get_by_role("button", name="Add the service").click()  # nothing filled in yet
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the name of the service")
    assert_accessible(page)

    page.get_by_label("Name of the service").fill("Example Carers Line")
    page.get_by_label("Kind of service").select_option("carers")
    page.get_by_label("What the service offers").fill("Someone to talk to about caring.")
    page.get_by_label("Phone number").fill("0113 496 0004")
    page.get_by_label("Areas served").fill("nationwide")
    page.get_by_role("button", name="Add the service").click()
    expect(page).to_have_url(re.compile(r"/team/support/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Example Carers Line has been added"
    )
    expect(page.get_by_text("Not checked for 12 months")).to_be_visible()  # never checked
    assert_accessible(page)

    page.get_by_role("link", name="History of Example Carers Line").click()
    expect(page.get_by_role("heading", name="Added by Sam Directory")).to_be_visible()
    assert_accessible(page)

    page.goto("/team/support/import")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a CSV file")
    assert_accessible(page)
    page.get_by_role("button", name="Import the file").click()  # no file chosen
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a CSV file to import")
    assert_accessible(page)
