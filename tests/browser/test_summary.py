"""The summary for a GP or team on a phone: reached from settings, a chart per symptom, dates
refused beside their fields, and a printout without the menus or the form."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PATIENT_EMAIL
from tracker import db
from tracker.clock import SYSTEM
from tracker.diary import services
from tracker.diary.services import SymptomReport
from tracker.patients.models import Patient

pytestmark = pytest.mark.browser


@pytest.fixture
def with_diary(app, live_server):
    """Six weeks of the live server's patient's diary: tiredness daily, a cough some days."""
    today = SYSTEM.today("Europe/London")
    with app.app_context():
        s = db.session()
        patient = s.scalars(select(Patient).where(Patient.email == PATIENT_EMAIL)).one()
        patient.enrolled_on = today - timedelta(days=60)
        for n in range(42, -1, -1):
            reports = [SymptomReport("fatigue", 2 + n % 6, note="Slept badly" if n == 7 else None)]
            if n % 4 == 0:
                reports.append(SymptomReport("cough", 3 + n % 3))
            services.record_symptoms(s, patient, today - timedelta(days=n), reports)
        s.commit()
    return today


def test_the_summary_reads_and_prints_well(signed_in_page, with_diary):
    page = signed_in_page
    assert_accessible(page)  # /diary/, with its link to the summary
    expect(page.get_by_role("link", name="A summary to show your GP or team")).to_be_visible()
    page.goto("/settings/")
    assert_accessible(page)
    page.get_by_role("link", name="A summary to show your GP or team").click()
    expect(page).to_have_url(re.compile(r"/your-data/summary$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Symptom diary summary")
    expect(page.get_by_role("heading", name="Tiredness")).to_be_visible()
    expect(page.get_by_role("heading", name="Cough")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Chart of how bad tiredness"))).to_be_visible()
    expect(page.get_by_role("link", name="Download this summary as a PDF")).to_be_visible()
    assert_accessible(page)

    page.emulate_media(media="print")
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Show these dates")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Tiredness")).to_be_visible()
    breaks = page.locator(".app-summary-symptom").evaluate_all(
        "els => els.map(e => getComputedStyle(e).breakBefore)"
    )
    assert breaks == ["page", "page"]
    # Checked with axe on screen above; on paper nothing is left to focus, which axe would
    # count against a page that cannot be scrolled anyway.
    if os.environ.get("TRACKER_SCREENSHOTS"):
        shots = Path(os.environ["TRACKER_SCREENSHOTS"])
        page.screenshot(path=shots / "summary-as-printed.png", full_page=True)
    page.emulate_media(media="screen")


def fill_date(page, prefix: str, day) -> None:
    """Type `day` into the summary form's day, month and year boxes named by `prefix`."""
    for part in ("day", "month", "year"):
        page.locator(f"#{prefix}-{part}").fill(str(getattr(day, part)))


def test_dates_the_wrong_way_round_are_refused_beside_the_field(signed_in_page, with_diary):
    page = signed_in_page
    assert_accessible(page)  # /diary/
    page.goto("/your-data/summary")
    assert_accessible(page)
    earlier = with_diary - timedelta(days=20)
    fill_date(page, "from", with_diary)
    fill_date(page, "to", earlier)
    page.get_by_role("button", name="Show these dates").click()
    message = "The last day must be the same as or after the first day"
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(message)
    expect(page.locator("#to-day-error, #to-error")).to_contain_text(message)
    expect(page.locator("#to-day")).to_have_value(str(earlier.day))  # what was typed, kept
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)

    page.locator("#to-year").fill(str(with_diary.year + 1))
    page.get_by_role("button", name="Show these dates").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("cannot be in the future")
    assert_accessible(page)


def test_more_than_twelve_months_is_refused_saying_where_everything_is(
    app, signed_in_page, with_diary
):
    from tracker.export.summary import months_before

    with app.app_context():
        s = db.session()
        patient = s.scalars(select(Patient).where(Patient.email == PATIENT_EMAIL)).one()
        patient.enrolled_on = with_diary - timedelta(days=3 * 365)
        s.commit()
    page = signed_in_page
    assert_accessible(page)  # /diary/
    page.goto("/your-data/summary")
    expect(page.get_by_role("link", name="download all your data")).to_be_visible()
    assert_accessible(page)
    start = months_before(with_diary, 18)
    fill_date(page, "from", start)
    page.get_by_role("button", name="Show these dates").click()
    message = "A summary can cover up to 12 months. Choose a first day on or after"
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(message)
    expect(page.locator("#from-error")).to_contain_text("download all your data instead")
    expect(page.locator("#from-year")).to_have_value(str(start.year))  # what was typed, kept
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
