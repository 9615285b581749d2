"""Checking and normalising contact details. Pure: strings in, strings (or an error) out."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def _is_ofcom_drama_mobile(number: phonenumbers.PhoneNumber) -> bool:
    # Ofcom keeps 07700 900000 to 900999 for fiction and testing: they never reach a real
    # person, which makes them right for the demo and the tests. libphonenumber calls them invalid.
    national = str(number.national_number)
    return number.country_code == 44 and national.startswith("7700900") and len(national) == 10


class ContactError(ValueError):
    """A message for the person typing the detail."""


def normalise_email(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        raise ContactError("Enter your email address")
    try:
        # test_environment admits the reserved .test domain, which the demo accounts use.
        checked = validate_email(raw, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ContactError(
            "Enter an email address in the correct format, like name@example.com"
        ) from exc
    return checked.normalized.lower()


def normalise_mobile(raw: str, region: str = "GB") -> str | None:
    """A UK (or international) mobile number in E.164, or None if left blank."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ContactError("Enter a mobile number, like 07700 900 982") from exc
    if _is_ofcom_drama_mobile(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        raise ContactError("Enter a real mobile number, like 07700 900 982")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ContactError("Enter a mobile number: we can only send texts to mobiles")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_mobile(e164: str | None) -> str:
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


# ---- phone numbers patients call (a team's, a support service's) ------------------------------

_HELPLINE_116 = re.compile(r"116\d{3}")  # the 116 helplines, free across Europe


def normalise_phone(raw: str) -> str | None:
    """A UK phone number as people read it ("0808 800 6000"), or None if left blank.

    Freephone (0800, 0808), landline, mobile and 03 numbers are accepted, and the 116 helplines.
    Numbers that cost more than a normal call are refused: people in distress should not pay
    extra to get help.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    digits = re.sub(r"[\s\-()]", "", raw)
    if _HELPLINE_116.fullmatch(digits):
        return f"{digits[:3]} {digits[3:]}"
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException as exc:
        raise ContactError("Enter a phone number, like 0808 157 0192") from exc
    if number.country_code != 44 or not phonenumbers.is_valid_number(number):
        raise ContactError("Enter a UK phone number, like 0808 157 0192")
    if phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
    ):
        raise ContactError(
            "Enter a number that costs no more than a normal call (not 084, 087 or 09)"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _checked(stored: str | None) -> str | None:
    # A number saved before it was checked may not be one: such a value is shown as typed.
    try:
        return normalise_phone(stored or "")
    except ContactError:
        return None


def display_phone(stored: str | None) -> str:
    """A stored number in national format with spaces; a value that is not a number, as typed."""
    return _checked(stored) or (stored or "")


def tel_href(stored: str | None) -> str | None:
    """The tel: link (E.164 where there is one) for a stored number, or None if it is not one."""
    checked = _checked(stored)
    if checked is None:
        return None
    digits = checked.replace(" ", "")
    if _HELPLINE_116.fullmatch(digits):  # short codes have no E.164 form
        return f"tel:{digits}"
    number = phonenumbers.parse(digits, "GB")
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
