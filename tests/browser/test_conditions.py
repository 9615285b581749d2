"""Known conditions from the team (rules v2 §2), on a phone: the team's form, its error beside
the end date with what was typed kept, the record's list; and what the patient then reads."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.test_team import _arrange, sign_in_as_clinician
from tracker.clock import SYSTEM

pytestmark = pytest.mark.browser


def _fill_date(page, day) -> None:
    page.locator("#until-day").fill(str(day.day))
    page.locator("#until-month").fill(str(day.month))
    page.locator("#until-year").fill(str(day.year))


def test_the_team_notes_a_known_condition_with_an_end_date_and_a_reason(app, live_server, page):
    _arrange(app, live_server)
    today = SYSTEM.today("Europe/London")
    sign_in_as_clinician(page)
    assert_accessible(page)
    page.get_by_role("link", name="Sam Patient", exact=True).click()
    expect(page.get_by_role("heading", name="Known conditions")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Add a known condition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a known condition")
    assert_accessible(page)

    page.locator("#symptom").select_option("joint_pain")
    _fill_date(page, today - timedelta(days=1))
    page.locator("#reason").fill("Joint aches are common with letrozole")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "The end date must be today or in the future"
    )
    expect(page.locator("#until-error")).to_contain_text("today or in the future")
    expect(page.locator("#symptom")).to_have_value("joint_pain")
    expect(page.locator("#reason")).to_have_value("Joint aches are common with letrozole")
    expect(page.locator("#until-day")).to_have_value(str((today - timedelta(days=1)).day))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    until = today + timedelta(days=60)
    _fill_date(page, until)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/team/patients/\d+#known-conditions$"))
    section = page.locator("#known-conditions + p + dl")
    expect(section).to_contain_text("Joint aches")
    expect(section).to_contain_text("Reason: Joint aches are common with letrozole")
    expect(section).to_contain_text("Set by Jo Clinician")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^Change Joint aches")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change a known condition")
    assert_accessible(page)


def test_the_patient_reads_what_the_team_noted_and_can_untick_it(app, live_server, page):
    from tracker import db
    from tracker.patients import conditions
    from tracker.patients.models import Patient
    from tracker.team.models import Staff

    _arrange(app, live_server)
    today = SYSTEM.today("Europe/London")
    with app.app_context():
        s = db.session()
        patient = s.scalar(select(Patient).where(Patient.email == live_server.email))
        nurse = s.scalar(select(Staff))
        conditions.add(
            s,
            patient,
            "joint_pain",
            staff_id=nurse.id,
            until=today + timedelta(days=60),
            reason="Joint aches are common with letrozole",
        )
        conditions.add(
            s, patient, "numbness", staff_id=nurse.id, until=today - timedelta(days=1), reason="x"
        )
        conditions.add(s, patient, "fatigue", staff_id=None)
        s.commit()

    from tests.browser.conftest import sign_in

    sign_in(page, live_server)
    assert_accessible(page)
    page.goto("/settings/")
    known = page.locator("#known-conditions ~ dl").first
    expect(known).to_contain_text("Your team has noted this as expected until")
    expect(known).to_contain_text("Their reason: Joint aches are common with letrozole.")
    expect(known).to_contain_text("That date has passed")
    expect(known).to_contain_text("You added this.")
    expect(
        page.get_by_text("add it to your diary as usual and contact your treating team")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    page.get_by_role("link", name="Change these").click()
    expect(page.get_by_label("Aching or stiff joints")).to_be_checked()
    expect(page.get_by_label(re.compile("Numbness, tingling"))).not_to_be_checked()
    assert_accessible(page)
    page.get_by_label("Aching or stiff joints").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text("saved")
    expect(page.locator("#known-conditions ~ dl").first).not_to_contain_text("Joint aches")
    assert_accessible(page)
