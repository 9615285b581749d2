"""The summary a patient shows their GP or team: a date range, every symptom in it with its
chart and entries, the alerts and what the team recorded, known conditions, the team's contacts.

Reading only. The patient's page and the team's page (and the PDF of either) show the same
Summary; who may see it is checked by their views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.alerts.models import Alert
from tracker.diary.charts import Chart, severity_chart
from tracker.diary.forms import date_parts, parse_date
from tracker.diary.models import CHECK_IN, SYMPTOM, DiaryEntry
from tracker.formatting import long_date
from tracker.forms import Errors, FieldError
from tracker.patients.models import KnownCondition, Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.data import series_label
from tracker.team import wording
from tracker.team.models import AlertOutcome

# The range shown unless the reader chooses another.
DEFAULT_MONTHS = 3
# The longest range a summary covers: its PDF is drawn whole in the request, and its time and
# memory grow with the range (docs/performance.md). The whole diary is in the patient's download
# and on the team's record page.
MAX_MONTHS = 12


@dataclass(frozen=True)
class SymptomSection:
    label: str
    chart: Chart
    entries: list[DiaryEntry]  # symptom entries and "gone away" marks, oldest first


@dataclass(frozen=True)
class AlertLine:
    alert: Alert
    symptom: str
    urgency: str
    reasons: list[str]
    outcome: str | None  # what the team recorded, in words; None if nothing yet
    outcome_by: str | None
    outcome_at: date | None


@dataclass(frozen=True)
class ConditionLine:
    symptom: str
    set_by: str  # "The patient", or the member of staff's name
    until: date | None
    reason: str | None


@dataclass(frozen=True)
class Summary:
    patient: Patient
    start: date
    end: date
    began: date
    symptoms: list[SymptomSection] = field(default_factory=list)
    no_new_symptom_days: int = 0
    alerts: list[AlertLine] = field(default_factory=list)
    conditions: list[ConditionLine] = field(default_factory=list)

    @property
    def dates(self) -> str:
        """Its range as the audit trail records it (no health detail)."""
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @property
    def empty(self) -> bool:
        return not self.symptoms and not self.no_new_symptom_days and not self.alerts


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier, or the month's last day if it has no such day."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def diary_began(s: Session, patient: Patient) -> date:
    """The first day of the patient's diary: enrolment, or an earlier entry's day."""
    first = s.scalar(
        select(func.min(DiaryEntry.entry_date)).where(
            DiaryEntry.patient_id == patient.id, DiaryEntry.deleted_at.is_(None)
        )
    )
    return min(first, patient.enrolled_on) if first else patient.enrolled_on


def default_range(today: date, began: date) -> tuple[date, date]:
    """The last three months, or since the diary began if that is shorter."""
    return max(months_before(today, DEFAULT_MONTHS), min(began, today)), today


@dataclass
class RangeForm:
    parts: dict[str, dict[str, str]]
    errors: Errors
    start: date | None = None
    end: date | None = None


def _parts_of(day: date) -> dict[str, str]:
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def read_range(
    args: Mapping[str, str], today: date, began: date, everything: str = ""
) -> RangeForm:
    """The range asked for in the query string, checked; the default range if none was asked.
    `everything` ends the message for a range that is too long: where the reader finds the rest.
    """
    if not any(k.startswith(("from[", "to[")) for k in args):
        start, end = default_range(today, began)
        return RangeForm({"from": _parts_of(start), "to": _parts_of(end)}, Errors(), start, end)
    form = RangeForm({"from": date_parts(args, "from"), "to": date_parts(args, "to")}, Errors())
    start = _check_day(form, "from", "The first day", "Enter the first day", today, began)
    end = _check_day(form, "to", "The last day", "Enter the last day", today, began)
    if start and end and start > end:
        form.errors.add("to-day", "The last day must be the same as or after the first day")
    elif start and end and start < months_before(end, MAX_MONTHS):
        earliest = long_date(months_before(end, MAX_MONTHS))
        form.errors.add(
            "from-day",
            f"A summary can cover up to {MAX_MONTHS} months. Choose a first day on or after "
            f"{earliest}{everything}",
        )
    if not form.errors:
        form.start, form.end = start, end
    return form


def _check_day(
    form: RangeForm, key: str, what: str, missing: str, today: date, began: date
) -> date | None:
    field_id = f"{key}-day"
    for part in form.parts[key].values():
        if not form.errors.check_text(field_id, part, what, verb="used"):
            return None
    try:
        day = parse_date(form.parts[key], what)
    except FieldError as exc:
        form.errors.add(field_id, str(exc))
        return None
    if day is None:
        form.errors.add(field_id, missing)
    elif day > today:
        form.errors.add(field_id, f"{what} cannot be in the future")
    elif day < began:
        form.errors.add(field_id, f"{what} cannot be before the diary began, on {long_date(began)}")
    else:
        return day
    return None


def summary_of(s: Session, patient: Patient, start: date, end: date, rules: Catalogue) -> Summary:
    """Everything the summary shows for `start` to `end`, both days included."""
    entries = s.scalars(
        select(DiaryEntry)
        .where(
            DiaryEntry.patient_id == patient.id,
            DiaryEntry.deleted_at.is_(None),
            DiaryEntry.entry_date.between(start, end),
        )
        .order_by(DiaryEntry.entry_date, DiaryEntry.id)
    ).all()
    by_series: dict[str, list[DiaryEntry]] = {}
    for e in entries:
        if e.kind != CHECK_IN and e.series is not None:
            by_series.setdefault(e.series, []).append(e)
    sections = [
        SymptomSection(
            series_label(series, rules, for_team=True),
            severity_chart(
                [(e.entry_date, e.severity) for e in rows if e.kind == SYMPTOM and e.severity]
            ),
            rows,
        )
        for series, rows in by_series.items()
    ]
    sections.sort(key=lambda c: c.label.lower())
    return Summary(
        patient=patient,
        start=start,
        end=end,
        began=diary_began(s, patient),
        symptoms=sections,
        no_new_symptom_days=len({e.entry_date for e in entries if e.kind == CHECK_IN}),
        alerts=_alerts(s, patient, start, end, rules),
        conditions=_conditions(s, patient, rules),
    )


def _alerts(s: Session, patient: Patient, start: date, end: date, rules: Catalogue):
    rows = s.execute(
        select(Alert, AlertOutcome)
        .outerjoin(AlertOutcome, AlertOutcome.alert_id == Alert.id)
        .where(
            Alert.patient_id == patient.id,
            Alert.episode_start <= end,
            Alert.last_entry >= start,
        )
        .order_by(Alert.episode_start, Alert.id)
    ).all()
    lines = []
    for alert, outcome in rows:
        symptom = series_label(alert.series, rules, for_team=True)
        lines.append(
            AlertLine(
                alert=alert,
                symptom=symptom,
                urgency=wording.urgency_label(alert.urgency),
                reasons=wording.reasons(
                    alert.reason_list, alert.urgency, rules, symptom=alert.symptom_code
                ),
                # The outcome's label only: the team's note is for the team (AlertOutcome.note).
                outcome=wording.OUTCOME_LABELS.get(outcome.outcome) if outcome else None,
                outcome_by=outcome.staff.name if outcome else None,
                outcome_at=outcome.at.date() if outcome else None,
            )
        )
    return lines


def _conditions(s: Session, patient: Patient, rules: Catalogue) -> list[ConditionLine]:
    rows = s.scalars(
        select(KnownCondition)
        .where(KnownCondition.patient_id == patient.id)
        .order_by(KnownCondition.symptom_code)
    )
    return [
        ConditionLine(
            symptom=rules.symptom(k.symptom_code).name
            if rules.is_known(k.symptom_code)
            else k.symptom_code,
            set_by=k.set_by_staff.name if k.set_by_staff else "The patient",
            until=k.until,
            reason=k.reason,
        )
        for k in rows
    ]
