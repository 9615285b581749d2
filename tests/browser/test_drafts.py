"""What a patient types is not lost when a save fails: the browser keeps it until it is saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PHONE
from tests.browser.test_diary import choose_symptom
from tracker import db
from tracker.diary import services
from tracker.diary.models import DiaryEntry

pytestmark = pytest.mark.browser

NOTE = "Sharp pain under my ribs since Tuesday, worse when I breathe in."
RESTORED = "We have filled in what you typed here before"


@pytest.fixture
def first_save_breaks(app, monkeypatch):
    """The first save fails as a crash would; later ones work. Our own error page is shown."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    real = services.record_symptoms
    calls = []

    def breaks_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "record_symptoms", breaks_once)
    return calls


def fill_cough(page) -> None:
    page.locator('input[name="severity-cough"][value="7"]').check()
    page.locator('input[name="worrying-cough"][value="yes"]').check()
    page.locator("#note-cough").fill(NOTE)


def test_a_save_that_fails_keeps_what_was_typed_for_the_next_visit(
    signed_in_page, first_save_breaks
):
    page = signed_in_page
    assert_accessible(page)
    page.goto("/diary/log")
    choose_symptom(page, "cough")
    fill_cough(page)
    page.get_by_role("button", name="Save to my diary").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, there is a problem with the service"
    )
    expect(page.get_by_text("This browser tab keeps what you typed")).to_be_visible()
    assert_accessible(page)

    page.goto("/diary/log/details")
    expect(page.locator("#note-cough")).to_have_value(NOTE)
    expect(page.locator('input[name="severity-cough"][value="7"]')).to_be_checked()
    expect(page.locator('input[name="worrying-cough"][value="yes"]')).to_be_checked()
    expect(page.get_by_role("status")).to_contain_text(RESTORED)
    assert_accessible(page)

    page.get_by_role("button", name="Save to my diary").click()
    # It worries the patient: the page that confirms the save shows the finding (rules §4).
    expect(page).to_have_url(re.compile(r"/diary/saved$"))
    expect(page.locator("main")).to_contain_text("Your symptom has been saved in your diary.")
    assert_accessible(page)
    assert len(first_save_breaks) == 2

    # Saved: the copy is gone, so the next entry starts empty.
    page.goto("/diary/log")
    choose_symptom(page, "cough")
    expect(page.locator("#note-cough")).to_have_value("")
    expect(page.get_by_text(RESTORED)).to_have_count(0)
    assert_accessible(page)


def test_a_form_sent_back_with_errors_keeps_the_servers_copy_not_an_older_draft(signed_in_page):
    page = signed_in_page
    assert_accessible(page)
    page.goto("/diary/log")
    choose_symptom(page, "cough")
    page.locator("#note-cough").fill(NOTE)
    page.get_by_role("button", name="Save to my diary").click()  # no severity: refused

    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.locator("#note-cough")).to_have_value(NOTE)
    expect(page.get_by_text(RESTORED)).to_have_count(0)
    assert_accessible(page)


def test_back_to_choosing_symptoms_keeps_what_was_typed(signed_in_page):
    """Back to step one and on again: the browser's copy of the details is put back (issue 19,
    item 3), also with a symptom added."""
    page = signed_in_page
    assert_accessible(page)
    page.goto("/diary/log")
    choose_symptom(page, "cough")
    fill_cough(page)
    page.get_by_role("button", name="Back to choosing symptoms").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How are you today?")
    expect(page.locator('input[name="symptoms"][value="cough"]')).to_be_checked()
    assert_accessible(page)
    choose_symptom(page, "rash")  # one more symptom; the cough's answers are still there
    expect(page.locator('input[name="severity-rash"]').first).to_be_visible()
    expect(page.locator("#note-cough")).to_have_value(NOTE)
    expect(page.locator('input[name="severity-cough"][value="7"]')).to_be_checked()
    expect(page.locator('input[name="worrying-cough"][value="yes"]')).to_be_checked()
    assert_accessible(page)


@pytest.fixture
def no_script(request, browser, live_server):
    """A signed-in phone page with JavaScript off (no draft in the browser to help), and a page
    with it on, where axe-core checks copies of what the first was served."""
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, java_script_enabled=False, **PHONE
    )
    checker = browser.new_context(base_url=live_server.url, bypass_csp=True, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    visits = axe.track(page, request.node.name)
    scripted = checker.new_page()

    def check() -> None:
        axe.assert_accessible_without_script(page, scripted)

    page.goto("/sign-in")
    check()
    page.locator("#email").fill(live_server.email)
    page.locator("#password").fill(live_server.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/diary/")
    check()
    yield page, check
    checker.close()
    context.close()
    assert all(v.checked for v in visits), "a page was loaded but never checked with axe-core"


def test_back_to_choosing_symptoms_keeps_what_was_typed_without_javascript(no_script, app):
    """Issue 19, item 3 (H23): with JavaScript off, going back sends what was typed along with
    the choice page, and going on shows it again; nothing is saved until "Save to my diary"."""
    page, check = no_script
    page.goto("/diary/log")
    check()
    page.locator('input[name="symptoms"][value="cough"]').check()
    page.get_by_role("button", name="Continue", exact=True).click()
    check()
    fill_cough(page)
    page.locator("#onset-cough-day").fill("1")
    page.get_by_role("button", name="Back to choosing symptoms").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("How are you today?")
    check()
    expect(page.locator('input[name="symptoms"][value="cough"]')).to_be_checked()
    expect(page.get_by_text(RESTORED)).to_have_count(0)  # no script: the server kept it
    expect(page.get_by_text("We have kept what you typed on the next page.")).to_be_visible()
    with app.app_context():
        assert db.session().query(DiaryEntry).count() == 0  # going back saved nothing
    page.locator('input[name="symptoms"][value="rash"]').check()
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us more")
    check()
    expect(page.locator("#note-cough")).to_have_value(NOTE)
    expect(page.locator('input[name="severity-cough"][value="7"]')).to_be_checked()
    expect(page.locator('input[name="worrying-cough"][value="yes"]')).to_be_checked()
    expect(page.locator("#onset-cough-day")).to_have_value("1")
    expect(page.locator("#note-rash")).to_have_value("")
