"""Getting back in on a phone (issue 22): the forgotten-password journey by email, with the link
read from the outbox as the patient would read it from their email; the text-code pages; a
link that does not work; changing the email address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a kettle on the windowsill"


def _latest(app, variant: str) -> str:
    """The newest account message of `variant`, as stored in the outbox."""
    from tracker import db
    from tracker.notify.models import OutboxMessage

    with app.app_context():
        query = (
            select(OutboxMessage.body_text)
            .where(OutboxMessage.variant == variant)
            .order_by(OutboxMessage.id.desc())
        )
        return db.session().scalars(query).first()


def choose_staff_password(app, page, variant: str, password: str) -> None:
    """Signed out, follow the newest staff link of `variant` in the outbox and choose a password
    (a first one for a new account); ends on the authenticator's set-up page."""
    first = variant == "staff_welcome"
    body = _latest(app, variant)
    link = re.search(r"https?://\S+/team/account/reset/[A-Za-z0-9_-]+", body).group(0)
    page.context.clear_cookies()
    page.goto(link[link.index("/team/") :])
    heading = "Choose a password" if first else "Choose a new password"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    page.get_by_label("Password" if first else "New password", exact=True).fill(password)
    again = "Type the password again" if first else "Type the new password again"
    page.get_by_label(again).fill(password)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/team/sign-in/set-up$"))
    assert_accessible(page)


def test_a_patient_sets_a_new_password_from_the_emailed_link(app, page, live_server):
    page.goto("/sign-in")
    assert_accessible(page)
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
    assert_accessible(page)

    page.get_by_role("button", name="Email me a link").click()  # nothing typed
    expect(page.locator("#email-error")).to_contain_text("Enter the email address")
    assert_accessible(page)

    page.get_by_label("Email address").fill(live_server.email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    body = _latest(app, "reset_link")
    link = re.search(r"https?://\S+/account/reset/[A-Za-z0-9_-]+", body).group(0)
    path = link[link.index("/account/") :]
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert_accessible(page)

    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Type the new password again").fill("short")
    page.get_by_role("button", name="Save new password").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Type the new password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password").click()
    expect(page).to_have_url(re.compile(r"/diary/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Your new password is saved"
    )
    assert_accessible(page)
    assert "The password for your diary account was changed" in _latest(app, "password_changed")

    page.goto(path)  # the link again: it has been used
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has stopped working")
    assert_accessible(page)


def test_the_text_code_pages_on_a_phone(app, page, live_server):
    page.goto("/account/forgotten")
    assert_accessible(page)
    page.get_by_role("link", name="text you a code instead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get a code by text message")
    assert_accessible(page)
    page.get_by_label("Email address you sign in with").fill(live_server.email)
    page.get_by_label("Mobile number you gave us").fill("07700 900001")
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from the text message"
    )
    assert_accessible(page)
    page.get_by_label("Code").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#code-error")).to_contain_text("6-digit code")
    assert_accessible(page)


def test_changing_the_email_address_on_a_phone(app, page, live_server):
    sign_in(page, live_server)
    assert_accessible(page)
    page.goto("/settings/")
    assert_accessible(page)
    page.get_by_role("link", name="Change your email address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your email address")
    assert_accessible(page)
    page.get_by_label("New email address").fill("sam.new@example.test")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "We have sent a link to your new email address"
    )
    assert_accessible(page)
    body = _latest(app, "email_confirm")
    link = re.search(r"https?://\S+/account/email/[A-Za-z0-9_-]+", body).group(0)
    page.goto(link[link.index("/account/") :])
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your new email address")
    assert_accessible(page)
    page.get_by_role("button", name="Use this email address").click()
    expect(page.get_by_text("You now sign in with sam.new@example.test")).to_be_visible()
    assert_accessible(page)


def test_the_team_sends_a_new_sign_in_link_from_the_record(app, page, live_server):
    from tests.browser.test_team import _arrange, sign_in_as_clinician
    from tracker import db
    from tracker.patients.models import Patient

    _arrange(app, live_server)
    with app.app_context():
        s = db.session()
        patient_id = s.scalar(select(Patient.id).where(Patient.email == live_server.email))
    sign_in_as_clinician(page)
    assert_accessible(page)
    page.goto(f"/team/patients/{patient_id}")
    assert_accessible(page)
    page.get_by_role("button", name="Send a new sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New sign-in link made")
    expect(page.locator("#sign-in-link")).to_have_value(re.compile(r"/account/reset/"))
    assert_accessible(page)
    page.get_by_role("link", name="Go to the patient's record").click()
    expect(page.get_by_text("Sent a new link to get into the account")).to_be_visible()
    assert_accessible(page)


def test_a_team_admin_resets_a_member_and_the_member_sets_up_again(app, page, live_server):
    from tests.browser.test_team import _arrange, sign_in_as_clinician
    from tracker import db
    from tracker.auth.passwords import hash_password
    from tracker.clock import SYSTEM
    from tracker.patients.models import Patient
    from tracker.team.models import CLINICIAN, TEAM_ADMIN, Membership, Staff

    _arrange(app, live_server, role=TEAM_ADMIN)
    with app.app_context():
        s = db.session()
        team_id = s.scalar(select(Patient.team_id).where(Patient.email == live_server.email))
        nurse = Staff(
            name="Ali Nurse",
            email="ali.nurse@example.test",
            password_hash=hash_password("an old password here"),
            totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            totp_enabled_at=SYSTEM.now(),
        )
        s.add(nurse)
        s.flush()
        s.add(Membership(staff_id=nurse.id, team_id=team_id, role=CLINICIAN))
        s.commit()
        nurse_id = nurse.id
    sign_in_as_clinician(page)
    assert_accessible(page)
    page.goto(f"/team/teams/{team_id}/members")
    assert_accessible(page)
    page.locator(f'a[href="/team/teams/{team_id}/members/{nurse_id}/reset"]').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reset Ali Nurse's")
    assert_accessible(page)
    page.get_by_role("button", name="Reset password and authenticator").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("emailed them")
    assert_accessible(page)

    choose_staff_password(app, page, "staff_reset", "a brand new passphrase")
