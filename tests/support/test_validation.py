"""Checking a service's details: phone numbers, web addresses, areas and the rest."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.helpers import TODAY, raw_service
from tracker.patients.contact import normalise_phone, tel_href
from tracker.support.validation import (
    clean_service,
    normalise_url,
    parse_areas,
    parse_tags,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0808 800 6000", "0808 800 6000"),  # freephone helpline
        ("08001234567", "0800 123 4567"),
        ("+44 808 157 0192", "0808 157 0192"),
        ("0118 496 0123", "0118 496 0123"),
        ("(0113) 496-0001", "0113 496 0001"),
        ("0300 123 1234", "0300 123 1234"),
        ("116 123", "116 123"),
        ("", None),
    ],
)
def test_uk_phone_numbers_are_accepted_and_stored_as_people_read_them(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0909 879 0000", "costs no more than a normal call"),  # premium rate
        ("0845 000 0000", "costs no more than a normal call"),
        ("+33 1 23 45 67 89", "Enter a UK phone number"),
        ("12345", "Enter a UK phone number"),
        ("call us", "Enter a phone number"),
        ("<script>", "Enter a phone number"),
    ],
)
def test_other_numbers_are_refused(typed, message):
    with pytest.raises(ValueError, match=message):
        normalise_phone(typed)


def test_tel_links_are_in_e164_form():
    assert tel_href("0808 800 6000") == "tel:+448088006000"
    assert tel_href("116 123") == "tel:116123"


def test_a_stored_value_that_is_not_a_number_has_no_tel_link():
    assert tel_href("abc") is None
    assert tel_href("") is None


@pytest.mark.parametrize(
    "url", ["https://www.nhs.uk", "http://example.org/a?b=c#d", "https://a-b.example.co.uk/x"]
)
def test_http_and_https_addresses_are_accepted(url):
    assert normalise_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org",
        "www.example.org",
        "https://localhost",
        "https://user:pass@example.org",
        "https://exa mple.org",
        'https://example.org"><script>',
        "data:text/html,hi",
        "https://" + "a" * 500 + ".org",
    ],
)
def test_other_addresses_are_refused(url):
    with pytest.raises(ValueError):
        normalise_url(url)


def test_areas_are_nationwide_or_a_sorted_list_of_codes():
    assert parse_areas("Nationwide") == (True, ())
    assert parse_areas("ls6, LS; bd1  ls6") == (False, ("BD1", "LS", "LS6"))
    for bad, message in [
        ("", "Enter the areas served"),
        ("nationwide, LS", "leave out the other areas"),
        ("LS, Narnia", "not a UK postcode area"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_areas(bad)


def test_tags_are_lower_cased_and_each_kept_once():
    assert parse_tags("Carers; young  women, carers;;") == ("carers", "young women")


def test_a_good_service_is_cleaned():
    data, errors = clean_service(
        raw_service(kind="Psychological support", needs_check="Yes", areas="nationwide"), TODAY
    )
    assert not errors
    assert data.kind == "psychological" and data.needs_check and data.nationwide
    assert data.last_checked == date(2026, 6, 1)


def test_every_bad_field_gets_its_own_message():
    data, errors = clean_service(
        raw_service(
            name="",
            kind="circus",
            description="",
            phone="0909 879 0000",
            website="javascript:alert(1)",
            email="not an email",
            areas="",
            last_checked="2027-01-01",
            needs_check="perhaps",
        ),
        TODAY,
    )
    assert data is None
    assert set(errors.messages) == {
        "name",
        "kind",
        "description",
        "phone",
        "website",
        "email",
        "areas",
        "last_checked",
        "needs_check",
    }


def test_a_service_needs_a_way_to_get_in_touch():
    data, errors = clean_service(raw_service(phone="", website="", email=""), TODAY)
    assert data is None
    assert "at least one way to get in touch" in errors.get("phone")


def test_long_text_and_control_characters_are_refused_and_white_space_made_single():
    data, errors = clean_service(raw_service(name="x" * 201), TODAY)
    assert data is None and "200 characters" in errors.get("name")
    data, errors = clean_service(raw_service(name="A\x00 group\x1b  here"), TODAY)
    assert data is None and "hidden character" in errors.get("name")  # never dropped quietly
    data, _ = clean_service(raw_service(name="A\tgroup\r\n  here"), TODAY)
    assert data.name == "A group here"
