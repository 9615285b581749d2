"""What tells one patient from another: the NHS number and the date of birth (issue 19, item 17).

Pure: checking and showing them, no database. An NHS number is ten digits, the last a Modulus 11
check digit over the first nine. It is never logged (tests/test_log_privacy.py).
"""

from __future__ import annotations

import re
from datetime import date

from tracker.forms import FieldError

# Spaces and hyphens are how people copy a number from a letter ("485 777 3456").
_SEPARATORS = re.compile(r"[\s-]+")
# Plausible ages for a patient of this service: an adult, and someone alive. A date outside this
# range is nearly always a slip (the year of the appointment, a century out).
AGE_MIN = 16
AGE_MAX = 120


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None where no valid number has them."""
    total = sum(int(d) * weight for d, weight in zip(first_nine, range(10, 1, -1), strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def normalise_nhs_number(raw: str) -> str:
    """The ten digits of a typed NHS number, or FieldError saying what is wrong."""
    digits = _SEPARATORS.sub("", raw or "")
    if not digits:
        raise FieldError("Enter the patient's NHS number")
    if not (digits.isascii() and digits.isdigit()):
        raise FieldError("The NHS number must be 10 numbers, like 485 777 3456")
    if len(digits) != 10:
        raise FieldError("The NHS number must be 10 numbers, like 485 777 3456")
    if check_digit(digits[:9]) != int(digits[9]):
        raise FieldError("This is not a valid NHS number. Check it against the patient's letter")
    return digits


def show_nhs_number(digits: str | None) -> str:
    """An NHS number as people read it, 3 3 4: "485 777 3456" (empty if there is none)."""
    if not digits:
        return ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def show_date_of_birth(born: date | None) -> str:
    """For example "15 March 1964" (empty if not recorded)."""
    return f"{born.day} {born:%B %Y}" if born else ""


def age_on(born: date, today: date) -> int:
    """Whole years from `born` to `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_date_of_birth(born: date | None, today: date) -> date:
    """`born` if it is a plausible date of birth for a patient of the service, else FieldError."""
    if born is None:
        raise FieldError("Enter the patient's date of birth")
    if born > today:
        raise FieldError("The date of birth must be in the past")
    age = age_on(born, today)
    if age < AGE_MIN:
        raise FieldError(f"The patient must be {AGE_MIN} or older. Check the year")
    if age > AGE_MAX:
        raise FieldError(f"The date of birth must be within the last {AGE_MAX} years")
    return born
