"""A clinician signs in (password, then a TOTP code), opens the queue and a patient, and records
what was done; a new member enrols an authenticator; the other team pages, each checked by axe.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.conftest import PASSWORD
from tracker.clock import SYSTEM
from tracker.team import totp
from tracker.team.models import CLINICIAN, TEAM_ADMIN, Membership, Staff

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CLINICIAN_EMAIL = "jo.clinician@example.test"


def _arrange(
    app,
    live_server,
    email: str = CLINICIAN_EMAIL,
    secret: str | None = SECRET,
    role: str = CLINICIAN,
) -> None:
    """A member of the live server's patient's team, and an open alert for that patient."""
    from tracker import db
    from tracker.alerts.services import apply_findings
    from tracker.auth.passwords import hash_password
    from tracker.diary.services import SymptomReport, record_symptoms
    from tracker.patients.models import Patient
    from tracker.rules.engine import Finding

    with app.app_context():
        s = db.session()
        patient = s.scalar(select(Patient).where(Patient.email == live_server.email))
        patient.email_consent_at = SYSTEM.now()
        member = Staff(
            name="Jo Clinician",
            email=email,
            password_hash=hash_password(PASSWORD),
            totp_secret=secret,
            totp_enabled_at=SYSTEM.now() if secret else None,
        )
        s.add(member)
        s.flush()
        s.add(Membership(staff_id=member.id, team_id=patient.team_id, role=role))
        today = SYSTEM.today("Europe/London")
        start = today - timedelta(days=15)
        finding = Finding("bone_pain", "soon", ("new", "persistent"), start, today, 15, "t", start)
        apply_findings(s, patient.id, [finding])
        for days_ago, severity in ((15, 4), (8, 5), (1, 6)):
            note = (
                "Aches most at night, and paracetamol no longer helps much."
                if days_ago == 1
                else None
            )
            report = SymptomReport("bone_pain", severity, note=note)
            record_symptoms(s, patient, today - timedelta(days=days_ago), [report])
        s.commit()


def _password_step(page, email: str = CLINICIAN_EMAIL) -> None:
    page.goto("/team/sign-in")
    assert_accessible(page)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def sign_in_as_clinician(page) -> None:
    _password_step(page)
    expect(page).to_have_url(re.compile(r"/team/sign-in/code$"))
    assert_accessible(page)
    page.locator("#code").fill(totp.code_at(SECRET, SYSTEM.now()))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/team/$"))


def test_a_clinician_opens_the_queue_and_records_what_was_done(app, live_server, page):
    _arrange(app, live_server)
    sign_in_as_clinician(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Alerts and requests waiting for your team"
    )
    expect(page.get_by_role("cell", name="Bone pain", exact=True)).to_be_visible()
    expect(page.get_by_text("Queued: not yet sent")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Sam Patient", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Patient")
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Chart of how bad"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Record what was done")).first.click()
    expect(page).to_have_url(re.compile(r"/team/alerts/\d+/outcome$"))
    assert_accessible(page)

    page.get_by_role("button", name="Save what was done").click()  # nothing chosen yet
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select what was done")
    assert_accessible(page)

    page.get_by_label("Contacted the patient").check()
    page.locator("#note").fill("Phoned; GP appointment on Friday.")
    page.get_by_role("button", name="Save what was done").click()
    expect(page).to_have_url(re.compile(r"/team/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("alert is closed")
    expect(page.get_by_text("There are no alerts or requests waiting")).to_be_visible()
    assert_accessible(page)


def test_a_new_member_sets_up_an_authenticator_from_the_qr_code(app, live_server, page):
    _arrange(app, live_server, email="new.member@example.test", secret=None)
    _password_step(page, "new.member@example.test")
    expect(page).to_have_url(re.compile(r"/team/sign-in/set-up$"))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.locator("#code").fill(totp.code_at(secret, SYSTEM.now()))
    page.get_by_role("button", name="Turn on and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/team/$"))
    assert_accessible(page)


def test_the_other_team_pages_are_accessible(app, live_server, page):
    _arrange(app, live_server, role=TEAM_ADMIN)
    sign_in_as_clinician(page)
    assert_accessible(page)

    page.goto("/team/patients/new")
    assert_accessible(page)
    page.get_by_role("button", name="Add patient and make their link").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.locator("#name").fill("Robin Example")
    page.locator("#nhs_number").fill("999 000 0034")
    page.locator("#dob-day").fill("2")
    page.locator("#dob-month").fill("7")
    page.locator("#dob-year").fill("1971")
    page.locator("#email").fill("robin@example.test")
    page.get_by_role("button", name="Add patient and make their link").click()
    expect(page.get_by_text("We have sent the patient a link")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Go to the patient's record").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Change")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring")
    assert_accessible(page)
    page.get_by_label("Pause monitoring").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("paused")
    assert_accessible(page)

    page.goto("/team/patients/")
    assert_accessible(page)
    page.goto("/team/teams/")
    assert_accessible(page)
    page.get_by_role("link", name="Breast Care Team").click()
    assert_accessible(page)
    page.get_by_role("link", name="Change the team's details").click()
    assert_accessible(page)
    page.goto("/team/account")
    assert_accessible(page)


def test_a_quiet_patient_in_the_queue_and_the_list_is_accessible(app, live_server, page):
    from tests.conftest import make_patient
    from tracker import db
    from tracker.patients.models import Patient
    from tracker.team.models import QuietSpell

    _arrange(app, live_server)
    with app.app_context():
        s = db.session()
        patient = s.scalar(select(Patient).where(Patient.email == live_server.email))
        today = SYSTEM.today("Europe/London")
        s.add(
            QuietSpell(
                patient_id=patient.id,
                last_heard=today - timedelta(days=40),
                quiet_from=today - timedelta(days=5),
                noted="Feeling sick, last logged 20 October 2026 (not marked as gone)",
                rules_version="t",
            )
        )
        s.commit()
        make_patient(
            s,
            patient.team,
            name="Nel Quiet",
            email="nel.quiet@example.test",
            enrolled_on=today - timedelta(days=60),
        )
    sign_in_as_clinician(page)
    expect(page.get_by_role("heading", name="Patients not heard from")).to_be_visible()
    expect(page.get_by_text("(not marked as gone)")).to_be_visible()
    assert_accessible(page)

    page.locator("a[href^='/team/quiet/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record what was done")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Contacted the patient").check()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/team/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("not heard from")
    assert_accessible(page)

    page.goto("/team/patients/")
    expect(page.get_by_text("Nothing from them since they joined on")).to_be_visible()
    assert_accessible(page)
