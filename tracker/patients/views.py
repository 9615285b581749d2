"""The patient's contact preferences page: /settings/contact-preferences.

Channels (with consent recorded), reminder cadence, pause, and reminders switched off per
channel. The use cases are in `tracker.patients.preferences`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from tracker import clock, config, db
from tracker.forms import Errors, render_form
from tracker.notify.optouts import is_opted_out
from tracker.patients.contact import display_mobile
from tracker.patients.models import CADENCES, DAILY, FORTNIGHTLY, WEEKLY, ContactPreference
from tracker.patients.preferences import REMINDER_TIMES, Choices, current_choices, save_choices

bp = Blueprint("patients", __name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CADENCE_LABELS = {DAILY: "Every day", WEEKLY: "Once a week", FORTNIGHTLY: "Every 2 weeks"}


def _patient():
    return current_user.patient


@bp.route("/settings/contact-preferences", methods=["GET", "POST"])
def contact_preferences():
    """How and when we contact the patient."""
    patient = _patient()
    s = db.session()
    errors = Errors()
    choices = current_choices(s, patient)
    if request.method == "POST":
        choices = _read_form(request.form, errors)
        if choices.sms and not patient.mobile:
            errors.add("channels", "Add your mobile number in your details before choosing texts")
        if not errors:
            with db.transaction() as tx:
                save_choices(tx, patient, choices, clock.now())
            flash("Your contact preferences have been saved.", "success")
            return redirect(url_for("settings.index"))
    pref = s.get(ContactPreference, patient.id)
    return render_form(
        "patients/contact_preferences.html",
        errors,
        choices=choices,
        mobile=display_mobile(patient.mobile),
        opted_out=is_opted_out(s, patient.mobile),
        refused=bool(pref and patient.mobile and pref.sms_refused_number == patient.mobile),
        cadences=[(c, CADENCE_LABELS[c]) for c in CADENCES],
        weekdays=list(enumerate(WEEKDAYS)),
        times=REMINDER_TIMES,
        service_number=config.current().notify.twilio_from,
    )


def _read_form(form, errors: Errors) -> Choices:
    channels = set(form.getlist("channels"))
    reminders = set(form.getlist("reminders"))
    cadence = form.get("cadence", "")
    if cadence not in CADENCES:
        errors.add("cadence", "Choose how often we remind you")
    weekday = form.get("weekday", "0")
    if weekday not in {str(i) for i in range(7)}:
        errors.add("weekday", "Choose a day of the week")
        weekday = "0"
    at = form.get("time", "")
    if at not in REMINDER_TIMES:
        errors.add("time", "Choose a time from the list")
    return Choices(
        email="email" in channels,
        sms="sms" in channels,
        remind_by_email="email" in reminders,
        remind_by_sms="sms" in reminders,
        cadence=cadence if cadence in CADENCES else WEEKLY,
        weekday=int(weekday),
        time=at if at in REMINDER_TIMES else REMINDER_TIMES[2],
        paused=form.get("paused") == "yes",
    )
