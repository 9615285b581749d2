"""Someone looks for support on a phone: search the directory, open a service, read a page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def directory(app, live_server):
    """The live server, with the seed helpline and the demo's two example services."""
    from tracker import db
    from tracker.support.seed import load_demo_directory

    with app.app_context(), db.transaction() as s:
        load_demo_directory(s, date(2026, 11, 21))
    return live_server


def test_search_the_directory_and_open_a_service(page, directory):
    page.goto("/support/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find support")
    expect(page.get_by_role("link", name="Breast care nurse helpline")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Kind of support").select_option("hospice")
    page.get_by_label("Your postcode, or the first part of it (optional)").fill("ls6 1an")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/support/\?kind=hospice&area=LS6$"))
    expect(page.get_by_role("heading", name="1 service found")).to_be_visible()
    expect(page.get_by_label("Your postcode, or the first part of it (optional)")).to_have_value(
        "LS6"
    )
    assert_accessible(page)

    page.get_by_role("link", name="Example service (demo): hospice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Example service (demo): hospice")
    expect(page.get_by_role("link", name="0808 157 0123")).to_have_attribute(
        "href", "tel:+448081570123"
    )
    assert_accessible(page)


def test_an_empty_result_and_a_postcode_it_cannot_read(page, directory):
    page.goto("/support/?q=zebra&area=%3Cb%3E")
    expect(page.get_by_text("No services match your search.")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Enter a UK postcode")
    assert_accessible(page)


def test_read_an_information_page(page, directory):
    page.goto("/support/")
    assert_accessible(page)
    page.get_by_role("link", name="Hospice and palliative care").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hospice and palliative care")
    expect(page.get_by_text("Last reviewed: Saturday 21 November 2026")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to information").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information")
    assert_accessible(page)


def test_from_the_diary_to_the_fear_of_recurrence_page(signed_in_page):
    page = signed_in_page
    assert_accessible(page)
    page.get_by_role("link", name="Help with worry after treatment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Living with the fear of cancer coming back"
    )
    assert_accessible(page)


def test_the_signs_page_says_what_to_do_for_each_sign(page, directory):
    page.goto("/support/information/signs-to-look-out-for")
    expect(page.get_by_role("heading", level=2, name="Call 999 now if you have")).to_be_visible()
    expect(page.get_by_text("Content owner:")).to_be_visible()
    expect(page.locator("li", has_text="a fit (seizure)").last).to_contain_text("call 999")
    assert_accessible(page)
