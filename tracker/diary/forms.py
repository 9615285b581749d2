"""Reading the diary's forms: every field checked on the server, errors keyed by field id.

The pages are built from design-system macros rather than WTForms fields (the log page has a
variable set of symptoms), so validation lives here as plain functions that are easy to test.
Flask-WTF still supplies the CSRF check for every form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.diary.models import NOTE_MAX
from tracker.diary.services import SymptomReport
from tracker.forms import Errors, FieldError, check_text, parse_int
from tracker.rules import Catalogue
from tracker.rules.data import NAME_MAX, NAMED_SYMPTOM


def date_parts(form: Mapping[str, str], prefix: str) -> dict[str, str]:
    """What was typed in a design-system date input, kept to show again."""
    return {
        part: (form.get(f"{prefix}[{part}]") or "").strip() for part in ("day", "month", "year")
    }


def parse_date(parts: dict[str, str], what: str) -> date | None:
    """A date from day, month and year boxes; None if all are empty."""
    if not any(parts.values()):
        return None
    missing = [p for p in ("day", "month", "year") if not parts[p]]
    if missing:
        raise FieldError(f"{what} must include a {missing[0]}")
    # ASCII digits only: str.isdigit() takes "²" (which int() refuses) and "١" (which it reads).
    if not all(parts[p].isascii() and parts[p].isdigit() for p in parts):
        raise FieldError(f"{what} must be a real date, written in numbers")
    if len(parts["year"]) != 4:
        raise FieldError(f"{what} must include a 4-digit year")
    # Read within bounds, so that a day of 20 nines is "not a real date", not an overflow.
    day, month = parse_int(parts["day"], 1, 31), parse_int(parts["month"], 1, 12)
    try:
        if day is None or month is None:
            raise ValueError("out of range")
        return date(int(parts["year"]), month, day)
    except ValueError as exc:
        raise FieldError(f"{what} must be a real date") from exc


def check_entry_date(day: date | None, today: date, backdate_days: int) -> date:
    if day is None:
        raise FieldError("Enter the date you are telling us about")
    if day > today:
        raise FieldError("The date cannot be in the future")
    if day < today - timedelta(days=backdate_days):
        raise FieldError(f"The date must be within the last {backdate_days} days")
    return day


# The earliest a symptom may have started: this many years before the day of the entry.
# The onset moves an episode's start earlier (rules §3), so it decides "persistent", and the team
# reads it as "how long has she had this"; a mistyped year (1899, or 1925 for 2025) would show a
# symptom a century old. A patient's date of birth is not known here, so the bound is relative
# to the entry: 50 years reaches back to early adulthood for nearly everyone treated for breast
# cancer, and any symptom that old is long-standing whatever its exact date. Someone whose
# symptom is older can leave the date blank and say so in the note (the message says how).
ONSET_YEARS_MAX = 50


def earliest_onset(day: date) -> date:
    """The earliest onset allowed for an entry on `day`."""
    try:
        return day.replace(year=day.year - ONSET_YEARS_MAX)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year - ONSET_YEARS_MAX, day=28)


def check_onset(onset: date | None, day: date | None) -> date | None:
    """The onset if it is on or before the entry's day and not too long before it."""
    if onset is None or day is None:
        return onset
    if onset > day:
        raise FieldError("The date it started must be on or before the day of this entry")
    if onset < earliest_onset(day):
        raise FieldError(
            f"The date it started must be no more than {ONSET_YEARS_MAX} years before the day "
            "of this entry. If it started longer ago, leave the date blank and say so in your note"
        )
    return onset


def parse_severity(raw: str | None, optional: bool = False) -> int | None:
    """A severity from 1 to 10; for a red flag (`optional`) it may be left out (rules §2)."""
    if raw is None or raw.strip() == "":
        if optional:
            return None
        raise FieldError("Select how bad it is, from 1 to 10")
    severity = parse_int(raw, 1, 10)
    if severity is None:
        raise FieldError("Select a number from 1 to 10")
    return severity


def parse_name(values: SymptomValues) -> str:
    """The name for a `something else` entry (rules §2): a new one typed, or else one used
    before and chosen from the list."""
    raw = values.new_name if values.new_name.strip() else values.name_choice
    name = " ".join(check_text(raw or "", "The name").split())
    if not name:
        raise FieldError("Enter a short name for it, for example 'rash on my arm'")
    if len(name) > NAME_MAX:
        raise FieldError(f"The name must be {NAME_MAX} characters or fewer")
    return name


def parse_note(raw: str | None) -> str | None:
    note = check_text((raw or "").replace("\r\n", "\n").strip(), "Your note", multiline=True)
    if len(note) > NOTE_MAX:
        raise FieldError(f"Your note must be {NOTE_MAX:,} characters or fewer")
    return note or None


def _about(label: str, exc: Exception) -> str:
    """An error that names its symptom, for pages that ask about several at once."""
    message = str(exc)
    return f"{label}: {message[0].lower()}{message[1:]}"


@dataclass
class SymptomValues:
    """What was typed for one symptom, to show again on an error."""

    severity: str = ""
    onset: dict[str, str] = field(default_factory=lambda: {"day": "", "month": "", "year": ""})
    worrying: bool = False
    note: str = ""
    # For `something else`: a name used before, chosen; or a new one typed (which wins).
    name_choice: str = ""
    new_name: str = ""


def read_symptom(form: Mapping[str, str], code: str) -> SymptomValues:
    return SymptomValues(
        severity=(form.get(f"severity-{code}") or "").strip(),
        onset=date_parts(form, f"onset-{code}"),
        worrying=form.get(f"worrying-{code}") == "yes",
        note=form.get(f"note-{code}") or "",
        name_choice=form.get(f"name-{code}") or "",
        new_name=form.get(f"name-{code}-new") or "",
    )


def validate_symptom(
    values: SymptomValues,
    code: str,
    label: str,
    day: date | None,
    errors: Errors,
    rules: Catalogue,
) -> SymptomReport | None:
    """Check one symptom's fields; add any errors (prefixed with the symptom) and return None."""
    report_ok = True
    name = None
    if code == NAMED_SYMPTOM:
        try:
            name = parse_name(values)
        except FieldError as exc:
            errors.add(f"name-{code}-new", _about(label, exc))
            report_ok = False
    try:
        severity = parse_severity(values.severity, optional=rules.may_skip_severity(code))
    except FieldError as exc:
        errors.add(f"severity-{code}", _about(label, exc))
        report_ok = False
    try:
        onset = check_onset(parse_date(values.onset, "The date it started"), day)
    except FieldError as exc:
        errors.add(f"onset-{code}-day", _about(label, exc))
        report_ok = False
    try:
        note = parse_note(values.note)
    except FieldError as exc:
        errors.add(f"note-{code}", _about(label, exc))
        report_ok = False
    if not report_ok:
        return None
    return SymptomReport(
        symptom_code=code,
        severity=severity,
        onset_date=onset,
        worrying=values.worrying,
        note=note,
        name=name,
    )


@dataclass
class Choice:
    """Step one of logging: which day, and which symptoms."""

    day_parts: dict[str, str]
    chosen: list[str]
    errors: Errors
    day: date | None = None


def parse_choice(form, today: date, rules: Catalogue, backdate_days: int) -> Choice:
    """Read and check the day and the chosen symptoms. `form` is a MultiDict (symptoms repeat)."""
    errors = Errors()
    day_parts = date_parts(form, "entry_date")
    day: date | None = None
    try:
        day = check_entry_date(parse_date(day_parts, "The date"), today, backdate_days)
    except FieldError as exc:
        errors.add("entry_date-day", str(exc))
    chosen = list(dict.fromkeys(form.getlist("symptoms")))  # keep order, drop repeats
    if any(not rules.is_known(code) for code in chosen):
        errors.add("symptoms", "Select symptoms from the list")
        chosen = [code for code in chosen if rules.is_known(code)]
    elif not chosen:
        errors.add("symptoms", "Select at least one symptom, or choose 'No new symptoms today'")
    return Choice(day_parts=day_parts, chosen=chosen, errors=errors, day=day)


@dataclass
class Details:
    """Step two: how bad each chosen symptom is, and the rest."""

    values: dict[str, SymptomValues]
    errors: Errors
    reports: list[SymptomReport]


def parse_details(form, choice: Choice, rules: Catalogue) -> Details:
    """Read and check each chosen symptom's fields; errors are prefixed with the symptom."""
    errors = Errors()
    values = {code: read_symptom(form, code) for code in choice.chosen}
    reports = []
    for code, symptom_values in values.items():
        report = validate_symptom(
            symptom_values, code, rules.symptom(code).name, choice.day, errors, rules
        )
        if report is not None:
            reports.append(report)
    return Details(values=values, errors=errors, reports=reports)


# The details page's own fields, one set per symptom (read_symptom): what going back to the
# choice page carries in hidden fields, so that coming forward again shows what was typed.
DETAIL_FIELD = re.compile(
    r"(severity|worrying|note|name)-[a-z0-9_]{1,40}(-new)?|onset-[a-z0-9_]{1,40}\[(day|month|year)\]"
)


def kept_details(form) -> list[tuple[str, str]]:
    """The details typed so far, as (name, value) pairs to carry through the choice page.

    In hidden fields rather than the session: the session is a signed cookie of about 4 KB,
    readable by whoever holds it, and notes run to 2,000 characters each.
    """
    return [
        (name, value)
        for name, value in form.items(multi=True)
        if value and DETAIL_FIELD.fullmatch(name)
    ]
