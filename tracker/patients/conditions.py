"""A patient's known conditions (rules §2): set by the patient or the team, every change kept.

The one place that changes them, so that no change is made without its history row: the
patient's settings page, the team's workspace and enrolment all call these (the caller
commits). A condition with an end date counts up to and including that day; after it, it is
kept (the team sees it as ended) but no longer counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.diary.assessed import mark_changed
from tracker.patients.models import (
    CONDITION_ADDED,
    CONDITION_CHANGED,
    CONDITION_REMOVED,
    KnownCondition,
    KnownConditionChange,
    Patient,
)
from tracker.rules import engine
from tracker.rules.catalogue import Catalogue

# Only symptoms watched for change can be known conditions: a known condition suppresses only
# `new` and `persistent` (rules §3), which a red flag, a "report promptly" symptom or a symptom
# only recorded never has. `other` would need its series' name, which this record does not keep.
KNOWN_CONDITION_CLASS = "watch"
NOT_A_CONDITION = frozenset({"other"})


def condition_codes(rules: Catalogue) -> list[str]:
    """The symptom codes that may be known conditions, in catalogue order."""
    return [
        c.code
        for c in rules.symptoms.values()
        if c.symptom_class == KNOWN_CONDITION_CLASS and c.code not in NOT_A_CONDITION
    ]


def _log(s: Session, row: KnownCondition, action: str, staff_id: int | None, now: datetime) -> None:
    s.add(
        KnownConditionChange(
            patient_id=row.patient_id,
            symptom_code=row.symptom_code,
            action=action,
            until=None if action == CONDITION_REMOVED else row.until,
            reason=None if action == CONDITION_REMOVED else row.reason,
            staff_id=staff_id,
            at=now,
        )
    )
    # What the rules read has changed: the lost-assessment job assesses the diary within
    # minutes, rather than the next daily run.
    mark_changed(s, row.patient_id, now)


def find(patient: Patient, code: str) -> KnownCondition | None:
    """The patient's known condition for `code`, or None."""
    return next((k for k in patient.known_conditions if k.symptom_code == code), None)


def add(
    s: Session,
    patient: Patient,
    code: str,
    *,
    staff_id: int | None,
    until: date | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> KnownCondition:
    """Record a new known condition, by a member of staff or (staff_id None) the patient."""
    now = now or clock.now()
    if find(patient, code) is not None:
        raise ValueError("already a known condition")  # the form's check should have caught it
    row = KnownCondition(
        symptom_code=code,
        until=until,
        reason=reason,
        set_by_staff_id=staff_id,
        created_at=now,
        updated_at=now,
    )
    patient.known_conditions.append(row)
    s.flush()  # the row's patient_id, for its history
    _log(s, row, CONDITION_ADDED, staff_id, now)
    return row


def change(
    s: Session,
    row: KnownCondition,
    *,
    staff_id: int | None,
    until: date | None,
    reason: str | None,
    now: datetime | None = None,
) -> bool:
    """Set a condition's end date and reason, and who set them; False if nothing changed."""
    now = now or clock.now()
    if (row.until, row.reason, row.set_by_staff_id) == (until, reason, staff_id):
        return False
    row.until, row.reason, row.set_by_staff_id, row.updated_at = until, reason, staff_id, now
    _log(s, row, CONDITION_CHANGED, staff_id, now)
    return True


def remove(
    s: Session,
    patient: Patient,
    row: KnownCondition,
    *,
    staff_id: int | None,
    now: datetime | None = None,
) -> None:
    """Remove a known condition; its history stays."""
    _log(s, row, CONDITION_REMOVED, staff_id, now or clock.now())
    patient.known_conditions.remove(row)


def choose_as_patient(
    s: Session, patient: Patient, chosen: set[str], today: date, now: datetime | None = None
) -> None:
    """Save the patient's ticks: what they leave ticked stays as it is, what they untick goes.

    The form ticks only the conditions that count today. A condition whose end date has passed
    is left alone when unticked (it already does not count, and the team keeps seeing it as
    ended); ticked again, it becomes the patient's own, with no end date.
    """
    now = now or clock.now()
    for row in list(patient.known_conditions):
        if row.symptom_code in chosen and not row.counts_on(today):
            change(s, row, staff_id=None, until=None, reason=None, now=now)
        elif row.symptom_code not in chosen and row.counts_on(today):
            remove(s, patient, row, staff_id=None, now=now)
    held = {k.symptom_code for k in patient.known_conditions}
    for code in sorted(chosen - held):
        add(s, patient, code, staff_id=None, now=now)


def add_at_enrolment(
    s: Session, patient: Patient, codes: Iterable[str], staff_id: int | None, now: datetime
) -> None:
    """The conditions ticked when the patient joined: by the member of staff who enrolled them,
    or by the patient at sign-up (staff_id None); no end date."""
    for code in sorted(set(codes)):
        add(s, patient, code, staff_id=staff_id, now=now)


def history(s: Session, patient_id: int) -> list[KnownConditionChange]:
    """Every change to the patient's known conditions, newest first."""
    query = (
        select(KnownConditionChange)
        .where(KnownConditionChange.patient_id == patient_id)
        .order_by(KnownConditionChange.at.desc(), KnownConditionChange.id.desc())
    )
    return list(s.scalars(query))


def for_rules(rows: Iterable[tuple[str, date | None]]) -> frozenset[str | engine.KnownCondition]:
    """(code, until) pairs as the engine reads them: a code alone when undated (rules §5)."""
    return frozenset(
        code if until is None else engine.KnownCondition(code, until=until) for code, until in rows
    )
