"""One patient's findings, from their whole diary as of a day; and one patient assessed: every
finding applied as alerts (rules §4) and the diary recorded as assessed, on a save or by the
lost-assessment job, through the same lifecycle as the detection pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.changes import Outcome, Stale
from tracker.alerts.services import apply_findings
from tracker.diary.assessed import changes_seen, mark_assessed
from tracker.diary.reading import read_diary
from tracker.rules import engine
from tracker.rules.catalogue import Catalogue


def findings_for_patient(
    s: Session, patient_id: int, today: date, rules: Catalogue
) -> list[engine.Finding]:
    """The engine's findings for one patient's whole diary as of `today`."""
    entries, marks, known = read_diary(s, patient_id)
    return engine.assess(entries, marks, known, today, rules)


@dataclass(frozen=True)
class Assessment:
    """One patient's findings, and the count of diary changes read before the diary was."""

    patient_id: int
    findings: list[engine.Finding]
    seen: int


def assess_patient(s: Session, patient_id: int, today: date, rules: Catalogue) -> Assessment:
    """Read the patient's diary and run the engine over all of it (nothing is written)."""
    # The count first: a change committed after it is read stays pending, even if the diary
    # read below happens to see it too.
    seen = changes_seen(s, patient_id)
    return Assessment(patient_id, findings_for_patient(s, patient_id, today, rules), seen)


def apply_assessment(
    s: Session, assessment: Assessment, actor: str, now: datetime | None = None
) -> Outcome:
    """Open or update an alert for every finding, record the diary as assessed, and commit.

    If another writer (the detection pass, the job, a second save) changed one of the alerts
    between reading and writing them, the whole is done again once, from a fresh read.
    """
    now = now or clock.now()
    pid = assessment.patient_id
    try:
        return _apply(s, pid, assessment, actor, now)
    except (Stale, IntegrityError):
        s.rollback()
    return _apply(s, pid, assessment, actor, now)


def _apply(s: Session, pid: int, assessment: Assessment, actor: str, now: datetime) -> Outcome:
    outcome = apply_findings(s, pid, assessment.findings, actor, now)
    mark_assessed(s, {pid: assessment.seen}, now)
    s.commit()
    return outcome
