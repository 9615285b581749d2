"""The patient's contact preferences, the development outbox page, and the diary's notices.

- /settings/contact-preferences: channels (with consent recorded), reminder cadence, pause, and
  reminders switched off per channel.
- /dev/outbox: every message the console channel "sent", for developers. Never in production,
  and only to a browser on this machine.
- Two template globals for the diary's home page: `undelivered_prompts()` (a prompt that reached
  the patient by no channel) and `check_in_questions()` (rules §4a).
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker import clock, config, db
from tracker.alerts.models import OPEN, Alert, Prompt
from tracker.forms import Errors, render_form
from tracker.notify import checkins
from tracker.notify.models import (
    CADENCES,
    CONSOLE,
    DAILY,
    FORTNIGHTLY,
    PROMPT_UNDELIVERED,
    WEEKLY,
    ContactPreference,
    OutboxMessage,
    PromptDelivery,
)
from tracker.notify.preferences import (
    REMINDER_TIMES,
    Choices,
    current_choices,
    is_opted_out,
    save_choices,
)
from tracker.patients.contact import display_mobile
from tracker.rules import load_rules
from tracker.security import public

log = logging.getLogger(__name__)

bp = Blueprint("notify", __name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CADENCE_LABELS = {DAILY: "Every day", WEEKLY: "Once a week", FORTNIGHTLY: "Every 2 weeks"}
DEV_OUTBOX_LIMIT = 200


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
        "notify/contact_preferences.html",
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


# ---- the development outbox --------------------------------------------------------------------


@bp.get("/dev/outbox")
@public
def dev_outbox():
    """What the console channel sent, newest first. Development only, this machine only."""
    if config.current().production:
        abort(404)
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(404)  # the page shows every patient's messages: never to another machine
    rows = db.session().scalars(
        select(OutboxMessage)
        .where(OutboxMessage.transport == CONSOLE)
        .order_by(OutboxMessage.id.desc())
        .limit(DEV_OUTBOX_LIMIT)
    )
    return render_template("notify/dev_outbox.html", messages=list(rows))


# ---- for the diary's home page -----------------------------------------------------------------


@bp.app_template_global("undelivered_prompts")
def undelivered_prompts(patient_id: int | None = None) -> list[PromptDelivery]:
    """The patient's prompts that reached them by no channel, newest first (for the diary)."""
    if patient_id is None:
        if not current_user.is_authenticated or getattr(current_user, "patient", None) is None:
            return []
        patient_id = current_user.patient.id
    # Only while the alert behind it is open: once answered or closed, the notice has done its job.
    return list(
        db.session().scalars(
            select(PromptDelivery)
            .join(Prompt, Prompt.id == PromptDelivery.prompt_id)
            .join(Alert, Alert.id == Prompt.alert_id)
            .where(
                PromptDelivery.patient_id == patient_id,
                PromptDelivery.state == PROMPT_UNDELIVERED,
                Alert.status == OPEN,
            )
            .order_by(PromptDelivery.undelivered_at.desc())
            .limit(5)
        )
    )


@bp.app_template_global("check_in_questions")
def check_in_questions() -> list[checkins.Question]:
    """The check-in questions to show on the diary's home page now (rules §4a).

    Asking marks the question shown (today's date), in a transaction of its own so that the
    page's own session is left as it was.
    """
    patient = getattr(current_user, "patient", None) if current_user.is_authenticated else None
    if patient is None:
        return []
    today = clock.today(patient.timezone)
    try:
        with current_app.extensions["sessionmaker"]() as s:
            questions = checkins.for_visit(s, patient.id, today, load_rules())
            s.commit()
    except Exception as exc:  # a question is never worth a broken diary page
        log.error("check-in questions failed for patient %s: %s", patient.id, type(exc).__name__)
        return []
    return questions
