"""The diary's use cases. They add to the session; the caller commits (one transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.diary.assessed import mark_changed
from tracker.diary.models import CHECK_IN, RESOLVED, SYMPTOM, DiaryEntry, EntryRevision
from tracker.patients.models import Patient
from tracker.rules.data import NAMED_SYMPTOM, series_key


@dataclass(frozen=True, slots=True)
class SymptomReport:
    """One validated symptom, as the patient described it."""

    symptom_code: str
    severity: int | None  # None only for a red flag (rules §2)
    onset_date: date | None = None
    worrying: bool = False
    note: str | None = None
    name: str | None = None  # for `other`: the patient's name for it, trimmed

    @property
    def series(self) -> str:
        """The series the report belongs to (rules §2)."""
        return series_key(self.symptom_code, self.name)


def actor_for(patient: Patient) -> str:
    return f"patient:{patient.id}"


def record_symptoms(
    db: Session, patient: Patient, day: date, reports: list[SymptomReport]
) -> list[DiaryEntry]:
    """Save one entry per reported symptom, each with its first revision."""
    entries = [
        DiaryEntry(
            patient_id=patient.id,
            kind=SYMPTOM,
            entry_date=day,
            symptom_code=r.symptom_code,
            name=r.name,
            severity=r.severity,
            onset_date=r.onset_date,
            worrying=r.worrying,
            note=r.note,
        )
        for r in reports
    ]
    for entry in entries:
        _save_new(db, entry, actor_for(patient))
    return entries


def record_check_in(db: Session, patient: Patient, day: date) -> list[DiaryEntry]:
    """ "No new symptoms today": the patient looked, and had nothing new to add. Not recorded on
    a day with symptoms logged: returns that day's symptom entries instead (empty if recorded)."""
    # "No new symptoms" beside today's symptoms would misstate the day in every history.
    told = symptoms_logged_on(db, patient, day)
    if not told:
        _save_new(
            db, DiaryEntry(patient_id=patient.id, kind=CHECK_IN, entry_date=day), actor_for(patient)
        )
    return told


def symptoms_logged_on(db: Session, patient: Patient, day: date) -> list[DiaryEntry]:
    """The patient's live symptom entries of one day, one per series, in the order logged."""
    rows = db.scalars(
        select(DiaryEntry)
        .where(
            DiaryEntry.patient_id == patient.id,
            DiaryEntry.kind == SYMPTOM,
            DiaryEntry.entry_date == day,
            DiaryEntry.deleted_at.is_(None),
        )
        .order_by(DiaryEntry.id)
    )
    return list({entry.series: entry for entry in reversed(list(rows))}.values())[::-1]


def record_resolved(
    db: Session, patient: Patient, symptom_code: str, day: date, name: str | None = None
) -> DiaryEntry:
    """ "This has gone away": a resolved mark for one symptom, or one named `other` (rules §2)."""
    entry = DiaryEntry(
        patient_id=patient.id,
        kind=RESOLVED,
        entry_date=day,
        symptom_code=symptom_code,
        name=name,
    )
    _save_new(db, entry, actor_for(patient))
    return entry


def edit_entry(
    db: Session, patient: Patient, entry: DiaryEntry, changes: SymptomReport, day: date
) -> None:
    """Change a symptom entry; the version before stays in its revisions."""
    entry.entry_date = day
    entry.severity = changes.severity
    entry.onset_date = changes.onset_date
    entry.worrying = changes.worrying
    entry.note = changes.note
    entry.updated_at = clock.now()
    _add_revision(db, entry, "edited", actor_for(patient))


def delete_entry(db: Session, patient: Patient, entry: DiaryEntry) -> None:
    """Hide an entry from the diary and the rules; the row and its history are kept."""
    entry.deleted_at = clock.now()
    entry.updated_at = entry.deleted_at
    _add_revision(db, entry, "deleted", actor_for(patient))


def own_entry(db: Session, patient: Patient, entry_id: int) -> DiaryEntry | None:
    """The patient's own live entry with this id; anyone else's (or a deleted one) is None."""
    return db.scalar(
        select(DiaryEntry).where(
            DiaryEntry.id == entry_id,
            DiaryEntry.patient_id == patient.id,
            DiaryEntry.deleted_at.is_(None),
        )
    )


def live_entries(
    db: Session, patient: Patient, series: str | None = None, since: date | None = None
) -> list[DiaryEntry]:
    """The patient's entries that have not been deleted (of one series, and dated from `since`,
    if given), newest first."""
    query = select(DiaryEntry).where(
        DiaryEntry.patient_id == patient.id, DiaryEntry.deleted_at.is_(None)
    )
    if series is not None:
        query = query.where(DiaryEntry.series == series)
    if since is not None:
        query = query.where(DiaryEntry.entry_date >= since)
    return list(db.scalars(query.order_by(DiaryEntry.entry_date.desc(), DiaryEntry.id.desc())))


def names_used(db: Session, patient: Patient) -> list[str]:
    """The names the patient has given `something else`, one per series, most recent first, as
    last typed (rules §2: names are compared trimmed and without regard to case)."""
    rows = db.execute(
        select(DiaryEntry.series, DiaryEntry.name)
        .where(
            DiaryEntry.patient_id == patient.id,
            DiaryEntry.symptom_code == NAMED_SYMPTOM,
            DiaryEntry.deleted_at.is_(None),
            DiaryEntry.name.is_not(None),
        )
        .order_by(DiaryEntry.entry_date.desc(), DiaryEntry.id.desc())
    )
    latest: dict[str, str] = {}
    for series, name in rows:
        latest.setdefault(series, name)
    return list(latest.values())


class NameTaken(Exception):
    """Renaming a series to a name another of the patient's series already has."""


def rename_series(db: Session, patient: Patient, series: str, name: str) -> str:
    """Give a named series a new name (rules §2): every entry and mark of it, deleted ones
    too, with a revision for each symptom entry. Returns the new series key; the caller moves
    the series' alerts to it (`tracker.alerts.services.follow_rename`).

    Raises NameTaken if another series has that name: two series are not merged here.
    """
    new_series = series_key(NAMED_SYMPTOM, name)
    if new_series != series and db.scalar(
        select(DiaryEntry.id).where(
            DiaryEntry.patient_id == patient.id, DiaryEntry.series == new_series
        )
    ):
        raise NameTaken(name)
    rows = db.scalars(
        select(DiaryEntry).where(DiaryEntry.patient_id == patient.id, DiaryEntry.series == series)
    )
    for entry in rows:
        entry.name, entry.series = name, new_series
        if entry.kind == SYMPTOM:
            entry.updated_at = clock.now()
            _add_revision(db, entry, "renamed", actor_for(patient))
    return new_series


def _save_new(db: Session, entry: DiaryEntry, actor: str) -> None:
    db.add(entry)
    db.flush()  # the revision needs the entry's id
    _add_revision(db, entry, "created", actor)


def _add_revision(db: Session, entry: DiaryEntry, action: str, actor: str) -> None:
    if entry.kind != CHECK_IN:
        # Counted in the same transaction as the change itself (tracker.diary.assessed).
        mark_changed(db, entry.patient_id)
    number = len(entry.revisions) + 1
    entry.revisions.append(
        EntryRevision(
            revision=number,
            action=action,
            actor=actor,
            entry_date=entry.entry_date,
            symptom_code=entry.symptom_code,
            name=entry.name,
            severity=entry.severity,
            onset_date=entry.onset_date,
            worrying=entry.worrying,
            note=entry.note,
        )
    )
