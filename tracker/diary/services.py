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


@dataclass(frozen=True, slots=True)
class SymptomReport:
    """One validated symptom, as the patient described it."""

    symptom_code: str
    severity: int
    onset_date: date | None = None
    worrying: bool = False
    note: str | None = None


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


def record_check_in(db: Session, patient: Patient, day: date) -> DiaryEntry:
    """ "No new symptoms today": the patient looked, and had nothing new to add."""
    entry = DiaryEntry(patient_id=patient.id, kind=CHECK_IN, entry_date=day)
    _save_new(db, entry, actor_for(patient))
    return entry


def record_resolved(db: Session, patient: Patient, symptom_code: str, day: date) -> DiaryEntry:
    """ "This has gone away": a resolved mark for one symptom (rules §2)."""
    entry = DiaryEntry(
        patient_id=patient.id, kind=RESOLVED, entry_date=day, symptom_code=symptom_code
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
    db: Session, patient: Patient, symptom_code: str | None = None
) -> list[DiaryEntry]:
    """The patient's entries that have not been deleted, newest first."""
    query = select(DiaryEntry).where(
        DiaryEntry.patient_id == patient.id, DiaryEntry.deleted_at.is_(None)
    )
    if symptom_code is not None:
        query = query.where(DiaryEntry.symptom_code == symptom_code)
    return list(db.scalars(query.order_by(DiaryEntry.entry_date.desc(), DiaryEntry.id.desc())))


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
            severity=entry.severity,
            onset_date=entry.onset_date,
            worrying=entry.worrying,
            note=entry.note,
        )
    )
