"""One patient's findings, from their whole diary as of a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from tracker.diary.reading import read_diary
from tracker.rules import engine
from tracker.rules.catalogue import Catalogue


def findings_for_patient(
    s: Session, patient_id: int, today: date, rules: Catalogue
) -> list[engine.Finding]:
    """The engine's findings for one patient's whole diary as of `today`."""
    entries, marks, known = read_diary(s, patient_id)
    return engine.assess(entries, marks, known, today, rules)
