"""What a patient sees of alerts: the page straight after a diary save with what it found, their
open alerts on the diary's home page, and their two answers to an alert.

The use cases behind them live beside: assessing at once after a save in
`tracker.alerts.on_save`, the open alerts as cards and the answers in `tracker.alerts.services`.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user

from tracker import clock, db
from tracker.alerts import services as alert_services
from tracker.alerts import wording
from tracker.alerts.on_save import PAGE_KEY, PAGE_SECONDS, assess_after_save
from tracker.notify.models import EMAIL, PROMPT, SMS
from tracker.notify.outbox import reach
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.support.services import for_urgency

bp = Blueprint("alerts", __name__, url_prefix="/diary")


@bp.get("/saved")
def after_save():
    """What the engine found after a diary save, most urgent first, each with what to do (PRG:
    the save redirects here)."""
    state = session.get(PAGE_KEY)
    if not _fresh(state):
        session.pop(PAGE_KEY, None)
        return redirect(url_for("diary.home"))
    rules = load_rules()
    groups = wording.finding_groups(
        (
            (urgency, code, name, reasons, date.fromisoformat(since) if since else None)
            for urgency, code, name, reasons, since in state["findings"]
        ),
        rules,
    )
    patient = _patient()
    return render_template(
        "alerts/after_save.html",
        groups=groups,
        count=len(state["findings"]),
        said=state["said"],
        listed=state["listed"],
        reminder=_prompt_channels(patient) if state["queued"] else "",
        team=patient.team,
        support_services=for_urgency(
            groups[0].urgency, patient.postcode_district, session=db.session()
        ),
    )


def _prompt_channels(patient) -> str:
    """How the prompt will reach the patient, by the dispatcher's own decision (a STOP, a
    refused number and each consent counted): "by email", or "" when nothing can."""
    channels = {channel for channel, _ in reach(db.session(), patient).for_purpose(PROMPT)}
    return wording.channels_phrase(email=EMAIL in channels, sms=SMS in channels)


def _fresh(state) -> bool:
    if not isinstance(state, dict) or not state.get("findings"):
        return False
    age = clock.now().timestamp() - state.get("at", 0)
    return 0 <= age <= PAGE_SECONDS


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
    said = "Thank you. We have noted that this has gone away."
    # The answer is a resolved mark in the diary: assessed at once like any other (rules §4).
    if assess_after_save(patient, clock.today(patient.timezone), [], said):
        return redirect(url_for("alerts.after_save"))
    flash(said, "success")
    return redirect(url_for("diary.home"))


def _patient() -> Patient:
    return current_user.patient
