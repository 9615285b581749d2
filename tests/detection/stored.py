"""Diaries written straight into the database for detection tests, and the state they lead to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from tracker.alerts.models import Alert, AlertEvent, Prompt
from tracker.detection.models import JobRun
from tracker.diary.models import CHECK_IN, RESOLVED, SYMPTOM, DiaryEntry
from tracker.patients.models import KnownCondition, Patient
from tracker.rules.engine import Entry, ResolvedMark
from tracker.rules.engine import KnownCondition as KnownConditionData
from tracker.team.models import Team

DELETED_AT = datetime(2026, 1, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """One diary row as stored: a symptom entry, a resolved mark or a check-in."""

    kind: str
    day: date
    symptom: str | None = None
    severity: int | None = None
    onset: date | None = None
    worrying: bool = False
    deleted: bool = False
    name: str | None = None  # for `other`: the patient's name for it


def symptom(day: date, code: str = "bone_pain", severity: int = 3, **kw) -> Row:
    """A symptom entry row."""
    return Row(SYMPTOM, day, code, severity, **kw)


def resolved(
    day: date, code: str = "bone_pain", deleted: bool = False, name: str | None = None
) -> Row:
    """A resolved-mark row."""
    return Row(RESOLVED, day, code, deleted=deleted, name=name)


def check_in(day: date) -> Row:
    """A "no new symptoms today" row."""
    return Row(CHECK_IN, day)


def store(
    s, patient_id: int, rows: Iterable[Row], known: Iterable[str | KnownConditionData] = ()
) -> None:
    """Write diary rows and known conditions, a code alone being undated (no revisions or
    history: detection never reads them)."""
    s.add_all(
        DiaryEntry(
            patient_id=patient_id,
            kind=r.kind,
            entry_date=r.day,
            symptom_code=r.symptom,
            name=r.name,
            severity=r.severity,
            onset_date=r.onset,
            worrying=r.worrying,
            deleted_at=DELETED_AT if r.deleted else None,
        )
        for r in rows
    )
    s.add_all(
        KnownCondition(patient_id=patient_id, symptom_code=k)
        if isinstance(k, str)
        else KnownCondition(patient_id=patient_id, symptom_code=k.symptom, until=k.until)
        for k in set(known)
    )
    s.commit()


def engine_input(rows: Iterable[Row]) -> tuple[list[Entry], list[ResolvedMark]]:
    """The live rows as the engine's plain data, as `assess` takes them."""
    entries, marks = [], []
    for r in rows:
        if r.deleted or r.kind == CHECK_IN:
            continue
        if r.kind == SYMPTOM:
            entries.append(Entry(r.day, r.symptom, r.severity, r.onset, r.worrying, r.name))
        else:
            marks.append(ResolvedMark(r.day, r.symptom, r.name))
    return entries, marks


def add_patients(s, count: int) -> list[int]:
    """`count` patients of one new team; their ids in order."""
    team = Team(
        name="Team",
        hospital="Hospital",
        phone="0118 496 0000",
        email="team@example.test",
        hours="9 to 5",
        out_of_hours="Call NHS 111.",
    )
    s.add(team)
    s.flush()
    patients = [
        Patient(
            team_id=team.id,
            name="Patient",
            email=f"p{team.id}-{i}@example.test",
            enrolled_on=date(2025, 1, 1),
        )
        for i in range(count)
    ]
    s.add_all(patients)
    s.commit()
    return [p.id for p in patients]


def wipe(s) -> None:
    """Delete everything these tests write, children first."""
    for model in (Prompt, AlertEvent, Alert, JobRun, DiaryEntry, KnownCondition, Patient, Team):
        s.execute(model.__table__.delete())
    s.commit()
    # The rows went behind the ORM's back: forget the objects too. (An alert and its events
    # refer to each other, so they can outlive the test in the session's identity map, and
    # SQLite reuses the ids of deleted rows.)
    s.expunge_all()


def alert_state(s) -> list[tuple]:
    """Every alert as comparable values (no ids or times), in a stable order."""
    rows = s.execute(
        select(
            Alert.patient_id,
            Alert.symptom_code,
            Alert.status,
            Alert.urgency,
            Alert.reasons,
            Alert.episode_start,
            Alert.first_entry,
            Alert.last_entry,
            Alert.duration_days,
        ).order_by(Alert.patient_id, Alert.symptom_code, Alert.id)
    )
    return [tuple(r) for r in rows]


def prompt_state(s) -> list[tuple]:
    """Every prompt as (patient, symptom, urgency, re-prompt), in a stable order."""
    rows = s.execute(
        select(Prompt.patient_id, Alert.symptom_code, Prompt.urgency, Prompt.reprompt)
        .join(Alert, Alert.id == Prompt.alert_id)
        .order_by(Prompt.patient_id, Alert.symptom_code, Prompt.urgency, Prompt.reprompt)
    )
    return [tuple(r) for r in rows]


def count(s, model) -> int:
    """How many rows a table holds."""
    return s.scalar(select(func.count()).select_from(model))
