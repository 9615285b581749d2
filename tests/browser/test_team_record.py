"""The team's record of a patient with a deleted and a changed diary entry, its prompts and its
audit trail opened, at phone size, checked by axe (issue 19, items 13, 15 and 18)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.test_team import _arrange, sign_in_as_clinician

pytestmark = pytest.mark.browser


def test_the_record_shows_deleted_and_changed_entries_prompts_and_who_looked(
    app, live_server, page
):
    from tracker import db
    from tracker.diary.models import DiaryEntry
    from tracker.diary.services import SymptomReport, delete_entry, edit_entry
    from tracker.patients.models import Patient

    _arrange(app, live_server)
    with app.app_context():
        s = db.session()
        patient = s.scalar(select(Patient).where(Patient.email == live_server.email))
        first, second = s.scalars(
            select(DiaryEntry).where(DiaryEntry.patient_id == patient.id).order_by(DiaryEntry.id)
        ).all()[:2]
        delete_entry(s, patient, first)
        edit_entry(s, patient, second, SymptomReport("bone_pain", 2), second.entry_date)
        s.commit()
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in_as_clinician(page)
    assert_accessible(page)  # the queue at phone size
    page.get_by_role("link", name="Sam Patient", exact=True).click()
    expect(page.get_by_text("Deleted by the patient")).to_be_visible()
    page.get_by_text("Earlier versions (1)").click()
    expect(page.get_by_text("Earlier versions (1)")).to_be_visible()
    page.get_by_text("History and messages").first.click()
    expect(page.get_by_text("First prompt: waiting to be sent").first).to_be_visible()
    expect(page.get_by_role("heading", name="Who has looked at this record")).to_be_visible()
    expect(page.get_by_text("Looked at the diary and record").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)


def test_the_team_downloads_the_record_for_the_hospitals_systems(app, live_server, page):
    _arrange(app, live_server)
    sign_in_as_clinician(page)
    assert_accessible(page)  # the queue
    page.get_by_role("link", name="Sam Patient", exact=True).click()
    link = page.get_by_role("link", name="Download the record for the hospital's systems (FHIR)")
    expect(link).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".fhir.json")
    page.reload()
    expect(
        page.get_by_text("Downloaded the record for the hospital's systems (FHIR)")
    ).to_be_visible()
    assert_accessible(page)
