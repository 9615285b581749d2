"""The NHS number's Modulus 11 check and its 3 3 4 display, and the plausible date of birth."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.forms import FieldError
from tracker.patients.identity import (
    age_on,
    check_date_of_birth,
    check_digit,
    normalise_nhs_number,
    show_nhs_number,
)


def test_the_check_digit_by_modulus_11():
    # 4*10 + 8*9 + 5*8 + 7*7 + 7*6 + 7*5 + 3*4 + 4*3 + 5*2 = 312; 312 mod 11 = 4; 11 - 4 = 7.
    assert check_digit("485777345") == 7
    assert normalise_nhs_number(" 485 777 3457 ") == "4857773457"
    assert normalise_nhs_number("485-777-3457") == "4857773457"


def test_a_remainder_of_11_gives_0_and_of_10_gives_no_valid_number():
    assert check_digit("999123456") is None  # 11 - (sum mod 11) would be 10
    assert check_digit("000000000") == 0  # 11 - 0 is 11, written 0
    with pytest.raises(FieldError, match="not a valid NHS number"):
        normalise_nhs_number("9991234560")


@pytest.mark.parametrize("typed", ["4857773456", "485777345", "48577734561", "485777345٦"])
def test_numbers_that_are_not_nhs_numbers_are_refused(typed):
    with pytest.raises(FieldError):
        normalise_nhs_number(typed)


def test_shown_three_three_four():
    assert show_nhs_number("4857773456") == "485 777 3456"
    assert show_nhs_number(None) == ""


def test_a_date_of_birth_is_in_the_past_and_a_plausible_age():
    today = date(2026, 12, 2)
    assert check_date_of_birth(date(1964, 3, 15), today) == date(1964, 3, 15)
    assert age_on(date(2010, 12, 3), today) == 15
    with pytest.raises(FieldError, match="16 or older"):
        check_date_of_birth(date(2010, 12, 3), today)
    assert check_date_of_birth(date(2010, 12, 2), today)  # 16 today
    with pytest.raises(FieldError, match="in the past"):
        check_date_of_birth(date(2026, 12, 3), today)
    with pytest.raises(FieldError, match="120 years"):
        check_date_of_birth(date(1900, 1, 1), today)
