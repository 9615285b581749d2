"""The patient's contact preferences page: /settings/contact-preferences.

Prompts per channel (on unless turned off on purpose, after a page that says what they will
miss), reminders per channel (the patient's choice), cadence and pause. The use cases are in
`tracker.patients.preferences`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import clock, config, db
from tracker.forms import Errors, render_form
from tracker.notify.models import SMS
from tracker.notify.optouts import is_opted_out
from tracker.patients.contact import display_mobile
from tracker.patients.models import CADENCES, DAILY, FORTNIGHTLY, WEEKLY, ContactPreference
from tracker.patients.preferences import (
    REMINDER_TIMES,
    Choices,
    current_choices,
    prompts_turned_off,
    save_choices,
)
from tracker.patients.reachability import reaches_no_one

bp = Blueprint("patients", __name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CHANNEL_WORDS = {"email": "email", SMS: "text message"}
CADENCE_LABELS = {DAILY: "Every day", WEEKLY: "Once a week", FORTNIGHTLY: "Every 2 weeks"}
# The patient's pages that show the "we cannot reach you" banner (rules §4): the diary, and the
# alert pages reached from it.
DIARY_BLUEPRINTS = frozenset({"diary", "alerts"})


def _patient():
    return current_user.patient


@bp.app_context_processor
def _reach_banner() -> dict:
    """For the diary pages' banner: whether no channel reaches the patient for prompts, worked
    out only when a page is drawn (a save that redirects never needs it)."""

    def no_channel_reaches_patient() -> bool:
        if request.blueprint not in DIARY_BLUEPRINTS or not current_user.is_authenticated:
            return False
        patient = getattr(current_user, "patient", None)
        return patient is not None and reaches_no_one(db.session(), patient)

    return {"no_channel_reaches_patient": no_channel_reaches_patient}


@bp.route("/settings/contact-preferences", methods=["GET", "POST"])
def contact_preferences():
    """How and when we contact the patient."""
    patient = _patient()
    s = db.session()
    errors = Errors()
    before = current_choices(s, patient)
    choices = before
    if request.method == "POST":
        choices = _read_form(request.form, errors, before, has_mobile=bool(patient.mobile))
        confirm = request.form.get("confirm")
        if confirm == "keep":  # keep prompts on, save the rest
            choices = _keep_prompts(choices, before)
        turning_off = prompts_turned_off(before, choices)
        if not errors and turning_off and confirm != "yes":
            return render_template(
                "patients/prompts_off.html",
                named=" and ".join(CHANNEL_WORDS[c] for c in turning_off),
                none_left=not (choices.prompt_by_email or choices.prompt_by_sms),
                form=request.form,
                team=patient.team,
            )
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
        email=patient.email,
        mobile=display_mobile(patient.mobile),
        opted_out=is_opted_out(s, patient.mobile),
        refused=bool(pref and patient.mobile and pref.sms_refused_number == patient.mobile),
        cadences=[(c, CADENCE_LABELS[c]) for c in CADENCES],
        weekdays=list(enumerate(WEEKDAYS)),
        times=REMINDER_TIMES,
        service_number=config.current().notify.twilio_from,
        reached_by_no_channel=reaches_no_one(s, patient),
    )


def _keep_prompts(choices: Choices, before: Choices) -> Choices:
    return Choices(
        prompt_by_email=before.prompt_by_email or choices.prompt_by_email,
        prompt_by_sms=before.prompt_by_sms or choices.prompt_by_sms,
        remind_by_email=choices.remind_by_email,
        remind_by_sms=choices.remind_by_sms,
        cadence=choices.cadence,
        weekday=choices.weekday,
        time=choices.time,
        paused=choices.paused,
    )


def _read_form(form, errors: Errors, before: Choices, has_mobile: bool) -> Choices:
    prompts = set(form.getlist("prompts"))
    reminders = set(form.getlist("reminders"))
    if SMS in reminders and not has_mobile:
        errors.add(
            "reminders",
            "Add your mobile number in your details to get reminders by text, "
            "or untick 'Text message'",
        )
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
        prompt_by_email="email" in prompts,
        # Without a mobile number the page offers no text option: what was set stays.
        prompt_by_sms=SMS in prompts if has_mobile else before.prompt_by_sms,
        remind_by_email="email" in reminders,
        remind_by_sms=SMS in reminders,
        cadence=cadence if cadence in CADENCES else WEEKLY,
        weekday=int(weekday),
        time=at if at in REMINDER_TIMES else REMINDER_TIMES[2],
        paused=form.get("paused") == "yes",
    )
