"""What a patient sees of alerts: the page straight after logging something urgent, their open
alerts on the diary's home page, and their two answers to an alert.

The use cases behind them live beside: raising at once after a save in `tracker.alerts.urgent`,
the open alerts as cards and the answers in `tracker.alerts.services`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user

from tracker import clock, db
from tracker.alerts import services as alert_services
from tracker.alerts import wording
from tracker.alerts.urgent import URGENT_KEY, URGENT_PAGE_SECONDS
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.rules.urgency import RAISED_AT_ONCE
from tracker.support.services import for_prompt

bp = Blueprint("alerts", __name__, url_prefix="/diary")


@bp.get("/urgent")
def urgent():
    """What to do now about what was just logged (PRG: the save redirects here)."""
    state = session.get(URGENT_KEY)
    if not _fresh(state):
        session.pop(URGENT_KEY, None)
        return redirect(url_for("diary.home"))
    rules = load_rules()
    urgency = state["urgency"]
    patient = _patient()
    return render_template(
        "alerts/urgent.html",
        urgency=urgency,
        heading=wording.heading(urgency),
        symptoms=[rules.symptom(c).label for c in state["symptoms"] if rules.is_known(c)],
        listed=state["listed"],
        reminder=(
            wording.channels_phrase(
                email=patient.email_consent_at is not None,
                sms=patient.sms_consent_at is not None and bool(patient.mobile),
            )
            if state["queued"]
            else ""
        ),
        team=patient.team,
        support_services=for_prompt(patient.postcode_district, session=db.session()),
    )


def _fresh(state) -> bool:
    if not isinstance(state, dict) or state.get("urgency") not in RAISED_AT_ONCE:
        return False
    age = clock.now().timestamp() - state.get("at", 0)
    return 0 <= age <= URGENT_PAGE_SECONDS


# ---- the patient's answers to an open alert ------------------------------------------------


@bp.post("/alerts/<int:alert_id>/contacted")
def contacted(alert_id: int):
    """ "I have contacted my team"."""
    try:
        with db.transaction() as s:
            alert_services.acknowledge(s, _patient(), alert_id)
    except alert_services.NotAnswerable:
        abort(404)  # another patient's alert looks exactly like one that does not exist
    flash("Thank you. We have noted that you have contacted your team.", "success")
    return redirect(url_for("diary.home"))


@bp.post("/alerts/<int:alert_id>/gone")
def gone(alert_id: int):
    """ "This has gone away": closes the alert and ends the episode with a resolved mark."""
    patient = _patient()
    try:
        with db.transaction() as s:
            alert_services.resolve(s, patient, alert_id, clock.today(patient.timezone))
    except alert_services.NotAnswerable:
        abort(404)
    flash("Thank you. We have noted that this has gone away.", "success")
    return redirect(url_for("diary.home"))


def _patient() -> Patient:
    return current_user.patient
