"""A patient keeps their diary on a phone: sign in, log a symptom, read it back, fix a mistake."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tracker import clock

pytestmark = pytest.mark.browser

NOTE = "Worse at night, and it wakes me up."
COUGH = "Cough"
MISSING_SEVERITY = re.compile(r"select how bad it is, from 1 to 10", re.IGNORECASE)


def choose_symptom(page, code: str) -> None:
    """On "How are you today?", tick one symptom and go on to the questions about it.

    Works whether the questions are revealed on the same page or asked on a second page.
    """
    assert_accessible(page)
    page.locator(f'input[name="symptoms"][value="{code}"]').check()
    go_on = page.get_by_role("button", name="Continue", exact=True)
    if go_on.count():
        go_on.click()
        expect(page.locator(f'input[name="severity-{code}"]').first).to_be_visible()
        assert_accessible(page)


def test_log_a_symptom_and_read_it_back(signed_in_page):
    page = signed_in_page
    assert_accessible(page)  # /diary/, straight after signing in

    page.get_by_role("button", name="Add symptoms").click()
    expect(page).to_have_url(re.compile(r"/diary/log$"))
    choose_symptom(page, "cough")
    severity = page.locator('input[name="severity-cough"][value="6"]')
    expect(severity).to_be_visible()
    severity.check()
    page.locator('input[name="worrying-cough"][value="yes"]').check()
    page.locator("#note-cough").fill(NOTE)
    assert_accessible(page)  # again, with the answers filled in

    page.get_by_role("button", name="Save to my diary").click()
    # It worries the patient: a finding, shown on the page that confirms the save (rules
    # version 2, §4), where under version 1 it waited for the next morning's run.
    expect(page).to_have_url(re.compile(r"/diary/saved$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Contact your treating team in the next few days"
    )
    expect(page.locator("main")).to_contain_text(
        "We are asking because you told us it worries you."
    )
    expect(page.locator("main")).to_contain_text("Your symptom has been saved in your diary.")
    assert_accessible(page)
    page.get_by_role("link", name="Go to your diary").click()
    expect(page).to_have_url(re.compile(r"/diary/$"))
    recent = page.locator("li", has=page.get_by_role("heading", name=COUGH))
    expect(recent).to_contain_text("6 out of 10")
    assert_accessible(page)

    page.get_by_role("link", name="See everything in your diary").click()
    expect(page).to_have_url(re.compile(r"/diary/history$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Everything in your diary")
    expect(page.get_by_role("link", name=f"{COUGH}: 6 out of 10, worries me")).to_be_visible()
    expect(page.get_by_text(NOTE)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=COUGH, exact=True).click()
    expect(page).to_have_url(re.compile(r"/diary/symptoms/cough$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(COUGH)
    expect(page.get_by_role("img", name=re.compile("Chart of how bad"))).to_be_visible()
    expect(page.locator("figcaption")).to_contain_text("The most recent was 6 out of 10")
    row = page.locator("table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("6")
    expect(row.locator("td").nth(2)).to_have_text("Yes")
    assert_accessible(page)


def test_a_symptom_without_severity_is_sent_back_with_the_error_beside_it(signed_in_page):
    page = signed_in_page
    assert_accessible(page)

    page.goto("/diary/log")
    choose_symptom(page, "cough")
    page.locator("#note-cough").fill(NOTE)
    page.get_by_role("button", name="Save to my diary").click()

    expect(page).to_have_url(re.compile(r"/diary/log(/details)?$"))
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # the design system moves focus there, for screen readers
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    link = summary.get_by_role("link", name=MISSING_SEVERITY)
    expect(link).to_have_attribute("href", "#severity-cough")

    question = page.locator(".nhsuk-form-group--error", has=page.locator("#severity-cough"))
    beside = question.locator(".nhsuk-error-message")
    expect(beside).to_be_visible()
    expect(beside).to_contain_text(MISSING_SEVERITY)
    expect(page.locator("#severity-cough")).to_be_visible()  # the symptom is still chosen
    expect(page.locator("#note-cough")).to_have_value(NOTE)
    assert_accessible(page)

    where = page.evaluate("window.location.pathname")
    link.click()  # takes the patient to the question to answer, on the same page
    expect(page.locator("#severity-cough")).to_be_focused()
    assert page.evaluate("window.location.pathname") == where


def test_numbness_new_in_rules_version_2_is_logged_under_its_area_and_read_back(signed_in_page):
    page = signed_in_page
    label = "Numbness, tingling or pins and needles in your hands or feet"
    assert_accessible(page)  # /diary/, straight after signing in
    page.goto("/diary/log")
    expect(page.get_by_label(label, exact=True)).to_have_count(1)
    choose_symptom(page, "numbness")
    page.locator('input[name="severity-numbness"][value="3"]').check()
    page.get_by_role("button", name="Save to my diary").click()
    expect(page).to_have_url(re.compile(r"/diary/$"))  # a watch symptom: no advice page at once
    assert_accessible(page)
    page.goto("/diary/history")
    # The history names it by its short name from the rules file, not the words it is chosen by.
    expect(page.get_by_role("link", name="Numbness or tingling: 3 out of 10")).to_be_visible()
    assert_accessible(page)


def test_a_seizure_logged_for_19_days_ago_gets_the_same_day_advice_first(signed_in_page, app):
    """Rules v2: a red flag is never lost to a date. A fit weeks ago is not a 999 call now, but
    the team must hear about it today; the advice comes before the details, and the details
    can be saved without scoring the fit."""
    page = signed_in_page
    assert_accessible(page)
    day = clock.of(app).today("Europe/London") - timedelta(days=19)
    page.get_by_role("button", name="Add symptoms").click()
    for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
        page.locator(f'input[name="entry_date[{part}]"]').fill(str(value))
    choose_symptom(page, "seizure")

    advice = page.locator(".nhsuk-card--care").first
    expect(advice).to_contain_text("Contact your treating team today")
    expect(advice).not_to_contain_text("999 now")
    heading = page.get_by_role("heading", level=1, name="Tell us more")
    assert advice.bounding_box()["y"] < heading.bounding_box()["y"]  # what to do comes first
    expect(page.get_by_text("How bad is it? (optional)")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Save to my diary").click()  # no severity given
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contact your treating team today")
    assert_accessible(page)


def test_something_else_is_named_and_kept_as_its_own_series(signed_in_page):
    page = signed_in_page
    assert_accessible(page)
    page.get_by_role("button", name="Add symptoms").click()
    choose_symptom(page, "other")
    page.get_by_label("What would you call it?").fill("Rash on my arm")
    page.locator('input[name="severity-other"][value="3"]').check()
    assert_accessible(page)
    page.get_by_role("button", name="Save to my diary").click()
    expect(page).to_have_url(re.compile(r"/diary/$"))
    expect(page.get_by_role("heading", name="Rash on my arm")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Add symptoms").click()
    choose_symptom(page, "other")
    expect(page.get_by_label("Rash on my arm")).to_be_visible()  # offered again
    page.get_by_label("Or give it a new name").fill("x" * 41)
    page.get_by_role("button", name="Save to my diary").click()
    expect(page.locator("#name-other-new-error")).to_contain_text("40 characters or fewer")
    assert_accessible(page)
