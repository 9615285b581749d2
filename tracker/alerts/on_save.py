"""Findings at save time (rules §4): after a diary change is committed, the engine runs over the
patient's whole diary, every finding opens or updates its alert, and the page that confirms the
save shows every finding, most urgent first, with what to do.

The diary's views call `assess_after_save` after their own commit, so the change is safe
whatever happens here; and the change was counted in its own transaction
(`tracker.diary.assessed`), so an assessment that does not complete here is found and done by
the lost-assessment job within minutes. What the page says is decided from the findings in
memory, never from whether the alerts could be written: a patient who logged something urgent
is told what to do even when the database refused the alert, and when the diary could not even
be read, the page goes by the saved symptoms' classes. The page: `tracker.alerts.views.after_save`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import current_app, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock, db
from tracker.alerts.models import OPEN, Alert
from tracker.detection.patient import Assessment, apply_assessment, assess_patient
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.rules.data import series_key
from tracker.rules.engine import Finding
from tracker.rules.urgency import RAISED_AT_ONCE, rank

# What the page shows waits in the signed session, never in the URL: URLs end up in access logs
# and browser history, and which symptoms someone has is health information.
PAGE_KEY = "after_save_page"
# How long the page can be shown again (a refresh, the back button) after the save behind it.
# Later, the open alerts on the diary's home page carry the same advice.
PAGE_SECONDS = 60 * 60

ACTOR = "diary"


def assess_after_save(patient: Patient, today: date, saved: Iterable[str], said: str) -> bool:
    """After a committed diary change: assess the whole diary, apply every finding as alerts.

    `saved`: the symptom codes just logged or changed (what the page goes by if the diary cannot
    be read); `said`: what was saved, in words. Returns True when there are findings to show
    (the page's content is left in the session); False for the plain "saved" message.
    """
    patient_id = patient.id  # read now: a rollback below expires the object
    rules = load_rules()
    s = db.session()
    assessment: Assessment | None = None
    try:
        assessment = assess_patient(s, patient_id, today, rules)
    except Exception as exc:  # the entry is saved: the patient must still be told
        s.rollback()
        _log_failure("could not assess the diary", patient_id, exc)
    queued = False
    if assessment is not None:
        try:
            queued = bool(apply_assessment(s, assessment, ACTOR).prompts)
        except Exception as exc:  # the page must not depend on it (module docstring)
            s.rollback()
            _log_failure("could not apply the findings", patient_id, exc)
        shown = [_as_shown(f) for f in assessment.findings]
    else:
        # Fail safe: with no findings to go on, go by the saved symptoms' classes alone.
        classes = {c: rules.symptom(c).symptom_class for c in saved if rules.is_known(c)}
        shown = [[u, c, None, [], None] for c, u in sorted(classes.items()) if u in RAISED_AT_ONCE]
    if not shown:
        session.pop(PAGE_KEY, None)  # an earlier save's page is not about this one
        return False
    shown.sort(key=lambda f: -rank(f[0]))  # stable: the engine's order within an urgency
    session[PAGE_KEY] = {
        "findings": shown,
        "queued": queued,
        "listed": _listed(s, patient_id, {series_key(f[1], f[2]) for f in shown}),
        "said": said,
        "at": int(clock.now().timestamp()),
    }
    return True


def _as_shown(f: Finding) -> list:
    """A finding as the session keeps it: short, since a cookie holds at most 4 KB."""
    return [str(f.urgency), f.symptom, f.name, list(f.reasons), f.episode_start.isoformat()]


def _listed(s: Session, patient_id: int, series: set[str]) -> bool:
    """Whether an open alert for one of these series is on the diary's home page now."""
    try:
        open_series = s.scalars(
            select(Alert.series).where(Alert.patient_id == patient_id, Alert.status == OPEN)
        )
        return any(key in series for key in open_series)
    except Exception as exc:
        s.rollback()
        _log_failure("could not read the open alerts", patient_id, exc)
        return False


def _log_failure(what: str, patient_id: int, exc: Exception) -> None:
    # The type is enough to find the bug. Never the message, the traceback's source lines or the
    # symptom: any of them could carry health detail into the logs.
    current_app.logger.error("%s for patient %s: %s", what, patient_id, type(exc).__name__)
