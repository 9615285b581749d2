"""The accessibility statement and the privacy notice (issue 19, item 11): the parts the
regulations ask for, with who runs the service taken from settings."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from tests.conftest import reconfigure

OWNER = {
    "organisation": "Northshire Hospitals NHS Foundation Trust",
    "address": "1 Hospital Road, Northtown, NT1 1AA",
    "contact_email": "diary@northshire.example",
    "dpo_email": "dpo@northshire.example",
    "accessibility_email": "access@northshire.example",
    "accessibility_phone": "0300 123 4567",
    "statement_prepared": date(2026, 11, 2),
    "statement_reviewed": date(2026, 11, 30),
    "accessibility_tested": date(2026, 11, 27),
    "privacy_updated": date(2026, 11, 3),
    "records_kept_years": 10,
}


# What each page must say, with the details above.
STATEMENT_PARTS = (
    "symptom diary at https://diary.northshire.example",
    "It is run by Northshire Hospitals NHS Foundation Trust",
    "How accessible this diary is",
    "partially compliant with the Web Content Accessibility Guidelines (WCAG) version 2.2, "
    "level AA",
    "Content that is not accessible",
    "2.2.1 (timing adjustable)",
    "signed out 12 hours after you sign in",
    "email access@northshire.example",
    "call 0300 123 4567",
    "Equality and Human Rights Commission (EHRC)",
    "Equality Advisory and Support Service (EASS)",
    "How we tested the diary",
    "last tested on Friday 27 November 2026",
    "prepared on Monday 2 November 2026",
    "last reviewed on Monday 30 November 2026",
    "In an emergency, call 999",
)
NOTICE_PARTS = (
    "Northshire Hospitals NHS Foundation Trust runs the diary",
    "data controller",
    "Address: 1 Hospital Road, Northtown, NT1 1AA",
    "Email: diary@northshire.example",
    "Data Protection Officer",
    "dpo@northshire.example",
    "What information we keep",
    "Why we use it",
    "(Article 6(1)(e))",
    "(Article 9(2)(h))",
    "Your treating team",
    "A company that sends text messages for us, and a company that sends emails for us",
    "at least 10 years after your care",
    "ask for a copy",
    "correct information that is wrong",
    "limit how we use your information",
    "object to how we use your information",
    "we usually have to keep it",
    "tell us first at diary@northshire.example",
    "Information Commissioner's Office (ICO)",
    "the computer does not decide your care",
    "last updated on Tuesday 3 November 2026",
)


def words(response) -> str:
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(text))


def missing(page: str, parts: tuple[str, ...]) -> list[str]:
    return [part for part in parts if part not in page]


@pytest.fixture
def owned(app):
    reconfigure(app, owner=OWNER, web={"public_url": "https://diary.northshire.example"})
    return app


def test_the_accessibility_statement_has_each_required_part_with_the_owners_details(owned, client):
    page = words(client.get("/accessibility"))
    assert not missing(page, STATEMENT_PARTS)
    assert "(not set)" not in page and "not yet set" not in page


def test_the_privacy_notice_has_each_required_part_with_the_owners_details(owned, client):
    page = words(client.get("/privacy"))
    assert not missing(page, NOTICE_PARTS)


def test_in_development_the_pages_say_plainly_what_is_not_set(client):
    for address in ("/accessibility", "/privacy"):
        page = words(client.get(address))
        assert "(not set)" in page and "a date not yet set" in page
