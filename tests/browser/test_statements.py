"""The accessibility statement and the privacy notice at phone size, checked by axe (issue 19,
item 11), with the details of who runs the service from settings."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import reconfigure
from tests.test_statements import OWNER

pytestmark = pytest.mark.browser


def test_the_statement_and_the_notice_read_well_on_a_phone(app, page):
    reconfigure(app, owner=OWNER)
    page.goto("/accessibility")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accessibility statement for the symptom diary"
    )
    expect(page.get_by_role("link", name="access@northshire.example")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.get_by_role("link", name="Privacy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How we use your information")
    expect(page.get_by_role("link", name="dpo@northshire.example")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
