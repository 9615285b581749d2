""" "Ask my team to contact me": the patient's form and their request's page.

Thin: read the form, call a use case in tracker.contact_requests.services, commit, redirect.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from tracker import clock, db
from tracker.contact_requests import services, wording
from tracker.contact_requests.services import RequestValues
from tracker.forms import Errors, render_form
from tracker.notify.queueing import queue_contact_request
from tracker.patients.contact import display_mobile
from tracker.patients.models import Patient

bp = Blueprint("contact_requests", __name__, url_prefix="/diary/contact-me")
# For the request's status on this blueprint's pages and the diary's home page.
bp.add_app_template_filter(wording.made_words, "made_words")
bp.add_app_template_filter(wording.outcome_words, "patient_outcome")


def _patient() -> Patient:
    return current_user.patient


@bp.route("", methods=["GET", "POST"])
def ask():
    """The form: what about, how and when to reach the patient. One open request at a time."""
    patient = _patient()
    s = db.session()
    if not patient.is_monitored:
        return render_form("contact_requests/not_monitored.html", Errors(), team=patient.team)
    existing = services.open_request(s, patient)
    if existing is not None:
        return redirect(url_for("contact_requests.status", request_id=existing.id))
    offered = services.choices(s, patient, clock.today(patient.timezone))
    errors = Errors()
    values = RequestValues(form_key=secrets.token_urlsafe(16))
    if request.method == "POST":
        values, asked = services.read_request(request.form, offered, patient, errors)
        if asked is not None:
            with db.transaction() as tx:
                row, new = services.make_request(tx, patient, asked)
                if new:
                    words = wording.message_words(row)
                    queue_contact_request(tx, patient, row.id, "received", words)
                request_id = row.id
            return redirect(url_for("contact_requests.status", request_id=request_id))
    return render_form(
        "contact_requests/ask.html",
        errors,
        values=values,
        offered=offered,
        team=patient.team,
        mobile=display_mobile(patient.mobile),
    )


@bp.get("/<int:request_id>")
def status(request_id: int):
    """The patient's request: when to expect contact, what they said, what to do meanwhile."""
    patient = _patient()
    row = services.own_request(db.session(), patient, request_id)
    if row is None:
        abort(404)  # another patient's request looks exactly like one that does not exist
    return render_form(
        "contact_requests/status.html",
        Errors(),
        req=row,
        team=patient.team,
        request_past_due=row.is_past_due(clock.now()),
    )
