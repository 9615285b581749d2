"""Raising at once (rules §4): `emergency` and `same_day` findings are raised when the entry is
saved, not at the next scheduled run.

The diary's save calls `raise_urgent` after its own commit, so the entry is safe whatever
happens here. What the urgent page says is decided from the findings in memory, never from
whether the alert could be written: a patient who logged something urgent is told what to do
even when the database refused the alert. The page itself is `tracker.alerts.views.urgent`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import current_app, session

from tracker import clock, db
from tracker.alerts import services as alert_services
from tracker.alerts import wording
from tracker.detection.patient import findings_for_patient
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.rules.urgency import RAISED_AT_ONCE

# What the urgent page shows waits in the signed session, never in the URL: URLs end up in access
# logs and browser history, and which symptoms someone has is health information.
URGENT_KEY = "urgent_page"
# How long the page can be shown again (a refresh, the back button) after the save behind it.
# Later, the open alert on the diary's home page carries the same advice.
URGENT_PAGE_SECONDS = 60 * 60

ACTOR = "diary"


def raise_urgent(patient: Patient, saved: Iterable[str], today: date) -> bool:
    """After a diary save: raise the emergency and same-day findings among `saved` symptoms.

    Returns True when there is an urgent page to show (its content is left in the session).
    Call it after the entries are committed: nothing here can undo them.
    """
    patient_id = patient.id  # read now: a rollback below expires the object
    saved = set(saved)
    rules = load_rules()
    try:
        findings = findings_for_patient(db.session(), patient_id, today, rules)
    except Exception as exc:  # the entry is saved: the patient must still be told
        db.session().rollback()
        _log_failure("could not assess the diary", patient_id, exc)
        findings = None
    if findings is None:
        # Fail safe: with no findings to go on, go by the saved symptoms' classes alone.
        pairs = [(rules.symptom(c).symptom_class, c) for c in sorted(saved) if rules.is_known(c)]
        urgent = []
    else:
        urgent = [f for f in findings if f.urgency in RAISED_AT_ONCE and f.symptom in saved]
        pairs = [(f.urgency, f.symptom) for f in urgent]
    shown = wording.most_urgent(pairs)
    if shown is None:
        session.pop(URGENT_KEY, None)  # an earlier save's page is not about this one
        return False
    urgency, symptoms = shown

    queued = listed = False
    if urgent:
        try:
            with db.transaction() as s:
                outcome = alert_services.apply_findings(s, patient_id, urgent, actor=ACTOR)
                queued = bool(outcome.prompts)
                listed = any(
                    a.symptom_code in symptoms for a in alert_services.open_alerts(s, patient)
                )
        except Exception as exc:  # the page must not depend on it (module docstring)
            queued = listed = False
            _log_failure("could not queue urgent prompt", patient_id, exc)

    session[URGENT_KEY] = {
        "urgency": urgency,
        "symptoms": symptoms,
        "queued": queued,
        "listed": listed,
        "at": int(clock.now().timestamp()),
    }
    return True


def _log_failure(what: str, patient_id: int, exc: Exception) -> None:
    # The type is enough to find the bug. Never the message, the traceback's source lines or the
    # symptom: any of them could carry health detail into the logs.
    current_app.logger.error("%s for patient %s: %s", what, patient_id, type(exc).__name__)
