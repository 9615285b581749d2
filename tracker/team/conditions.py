"""The team sets a patient's known conditions: a symptom, an optional end date, and a reason.

Reading and checking the team's form, and saving it with its audit row; the change itself and
its history are tracker.patients.conditions', which the patient's side shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from tracker import clock
from tracker.diary.forms import date_parts, parse_date
from tracker.forms import Errors, FieldError
from tracker.patients import conditions
from tracker.patients.models import CONDITION_REASON_MAX, KnownCondition, Patient
from tracker.team import audit
from tracker.team.models import CONDITIONS_CHANGED, Staff

UNTIL = "until"  # the date input's name prefix; its first box is the field errors point to


def _no_date() -> dict[str, str]:
    return {"day": "", "month": "", "year": ""}


@dataclass
class ConditionValues:
    """What was typed on the team's form, kept to show again."""

    symptom: str = ""
    until: dict[str, str] = field(default_factory=_no_date)
    reason: str = ""


@dataclass(frozen=True)
class CheckedCondition:
    code: str
    until: date | None
    reason: str


def read_form(form: MultiDict, code: str | None = None) -> ConditionValues:
    """The form's values; `code` is the condition being changed (the form then has no symptom)."""
    return ConditionValues(
        symptom=code if code is not None else (form.get("symptom") or "").strip(),
        until=date_parts(form, UNTIL),
        reason=(form.get("reason") or "").strip(),
    )


def values_of(row: KnownCondition) -> ConditionValues:
    """A condition as it stands, to start the change form from."""
    until = row.until
    parts = (
        {"day": str(until.day), "month": str(until.month), "year": str(until.year)}
        if until
        else _no_date()
    )
    return ConditionValues(row.symptom_code, parts, row.reason or "")


def offered(patient: Patient, codes: list[str]) -> list[str]:
    """The codes the add form offers: those that may be known conditions, not yet held."""
    held = {k.symptom_code for k in patient.known_conditions}
    return [c for c in codes if c not in held]


def check(
    values: ConditionValues, errors: Errors, today: date, choices: list[str] | None
) -> CheckedCondition | None:
    """Check the form in page order; `choices`: the symptoms offered (None when changing one).

    The end date may be today (it counts up to and including it, rules §2), not before.
    """
    if choices is not None and values.symptom not in choices:
        errors.add("symptom", "Select the symptom the team expects")
    until = None
    try:
        until = parse_date(values.until, "The end date")
        if until is not None and until < today:
            raise FieldError("The end date must be today or in the future")
    except FieldError as exc:
        errors.add(f"{UNTIL}-day", str(exc))
    if errors.check_text("reason", values.reason, "The reason"):
        if not values.reason:
            errors.add("reason", "Enter why the team expects this symptom")
        elif len(values.reason) > CONDITION_REASON_MAX:
            errors.add("reason", f"The reason must be {CONDITION_REASON_MAX} characters or fewer")
    if errors:
        return None
    return CheckedCondition(values.symptom, until, values.reason)


def add(
    s: Session, staff: Staff, patient: Patient, new: CheckedCondition, now: datetime | None = None
) -> None:
    """Record the team's known condition and its audit row (the caller commits)."""
    now = now or clock.now()
    conditions.add(
        s, patient, new.code, staff_id=staff.id, until=new.until, reason=new.reason, now=now
    )
    audit.record(s, staff.id, CONDITIONS_CHANGED, patient, now=now)


def change(
    s: Session,
    staff: Staff,
    patient: Patient,
    row: KnownCondition,
    new: CheckedCondition,
    now: datetime | None = None,
) -> bool:
    """Set a condition's end date and reason as the team's; False if nothing changed."""
    now = now or clock.now()
    changed = conditions.change(
        s, row, staff_id=staff.id, until=new.until, reason=new.reason, now=now
    )
    if changed:
        audit.record(s, staff.id, CONDITIONS_CHANGED, patient, now=now)
    return changed


def remove(
    s: Session, staff: Staff, patient: Patient, row: KnownCondition, now: datetime | None = None
) -> None:
    """Remove a known condition, whoever set it; its history stays."""
    now = now or clock.now()
    conditions.remove(s, patient, row, staff_id=staff.id, now=now)
    audit.record(s, staff.id, CONDITIONS_CHANGED, patient, now=now)
