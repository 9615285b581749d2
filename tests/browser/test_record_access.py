"""The patient's "Who has looked at your record", grouped by person and day and paged, at phone
size, checked by axe (issue 19, item 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tracker.patients.from_team import ACCESS_PAGE_SIZE

pytestmark = pytest.mark.browser


def _looked(app, email: str) -> None:
    """Two nurses who looked at the record many times a day for a fortnight."""
    from tracker import db
    from tracker.patients.models import Patient
    from tracker.team import audit
    from tracker.team.models import OUTCOME_RECORDED, VIEWED_RECORD, Staff

    with app.app_context():
        s = db.session()
        patient = s.scalar(select(Patient).where(Patient.email == email))
        nurses = [
            Staff(name=name, email=f"{name.split()[-1].lower()}@example.test", password_hash="x")
            for name in ("Sister Jane Smith", "Ade Okafor")
        ]
        s.add_all(nurses)
        s.flush()
        start = datetime(2026, 11, 1, 9, 2, tzinfo=UTC)
        for day in range(14):
            for nurse in nurses:
                for look in range(1 + day % 5):
                    at = start + timedelta(days=day, minutes=47 * look)
                    audit.record(s, nurse.id, VIEWED_RECORD, patient, now=at)
            audit.record(
                s, nurses[0].id, OUTCOME_RECORDED, patient, now=start + timedelta(days=day)
            )
        s.commit()


def test_who_has_looked_is_grouped_by_person_and_day_and_paged(app, live_server, signed_in_page):
    page = signed_in_page
    assert_accessible(page)
    _looked(app, live_server.email)
    page.goto("/settings/")
    section = page.locator("#seen ~ *")
    expect(page.get_by_role("heading", name="Who has looked at your record")).to_be_visible()
    expect(page.get_by_text("Page 1 of 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Saturday 14 November 2026")).to_be_visible()
    expect(
        page.get_by_text(
            "Looked at your diary and record 4 times, between 9:02am and 11:23am"
        ).first
    ).to_be_visible()
    expect(page.get_by_text("Noted what they did about an alert at 9:02am").first).to_be_visible()
    assert section.locator("li > strong").count() == ACCESS_PAGE_SIZE
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    page.get_by_role("link", name="Older").click()
    expect(page.get_by_text("Page 2 of 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Monday 9 November 2026")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Older").click()
    expect(page.get_by_text("Page 3 of 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Sunday 1 November 2026")).to_be_visible()
    expect(page.get_by_role("link", name="Older")).to_have_count(0)
    assert_accessible(page)

    page.goto("/settings/?seen_page=-7")  # typed by hand: the nearest page, not an error
    expect(page.get_by_text("Page 1 of 3")).to_be_visible()
    assert_accessible(page)


def test_your_own_download_shows_as_you_in_plain_words(signed_in_page):
    page = signed_in_page
    assert_accessible(page)  # /diary/
    page.goto("/settings/")
    expect(page.get_by_text("you have not downloaded a copy")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything we hold about you").click()
    assert download.value.suggested_filename.endswith(".zip")
    page.goto("/settings/")
    seen = page.locator("#seen ~ ul li").first
    expect(seen.locator("strong")).to_have_text("You")
    expect(seen).to_contain_text("Downloaded all your data at")
    assert_accessible(page)
