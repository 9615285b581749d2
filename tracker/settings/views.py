"""Settings pages: contact details and time zone, and known conditions (rules §2).

Thin: read and check the form, call tracker.settings.services in one transaction, redirect.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from tracker import clock, db
from tracker.config import DEFAULT_TIMEZONE
from tracker.forms import Errors, render_form
from tracker.patients import conditions as known
from tracker.patients import from_team
from tracker.patients.contact import ContactError, display_mobile, normalise_mobile
from tracker.patients.models import Patient
from tracker.patients.timezones import is_valid_timezone
from tracker.rules import load_rules
from tracker.settings.services import Details, save_details
from tracker.support.postcodes import PostcodeError, parse_place

bp = Blueprint("settings", __name__, url_prefix="/settings")

# The zones people here are likely to need first; any IANA name is accepted.
COMMON_ZONES = (DEFAULT_TIMEZONE, "Europe/Dublin", "Europe/Paris", "Europe/Madrid", "UTC")
NAME_MAX = 200


@bp.get("/")
def index():
    patient = current_user.patient
    return render_template(
        "settings/index.html",
        patient=patient,
        mobile=display_mobile(patient.mobile),
        rules=load_rules(),
        conditions=patient.known_conditions,
        today=clock.today(patient.timezone),
        # A page number that is not one is the first page: never an error for a typed address.
        access=from_team.access_page(
            db.session(),
            patient.id,
            request.args.get("seen_page", 1, type=int) or 1,
            patient.timezone,
            from_team.FOR_PATIENT,
            "Looked at your record",
            "You",
        ),
    )


@bp.route("/details", methods=["GET", "POST"])
def details():
    patient: Patient = current_user.patient
    errors = Errors()
    values = {
        "name": patient.name,
        "mobile": display_mobile(patient.mobile),
        "postcode": patient.postcode_district or "",
        "timezone": patient.timezone,
    }
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        clean = _check_details(values, errors)
        # The email address changes only by a link sent to the new one (tracker.auth.email_change).
        clean["email"] = patient.email
        if not errors:
            with db.transaction():
                save_details(patient, Details(**clean))
            flash("Your details have been saved.", "success")
            return redirect(url_for("settings.index"))
    return render_form(
        "settings/details.html", errors, values=values, zones=COMMON_ZONES, email=patient.email
    )


# What each field is called in its error messages.
DETAIL_SUBJECTS = {
    "name": "Your name",
    "mobile": "Your mobile number",
    "postcode": "Your postcode",
    "timezone": "The time zone",
}


def _check_details(values: dict[str, str], errors: Errors) -> dict:
    clean: dict = {}
    for key, what in DETAIL_SUBJECTS.items():  # first, so that its message is the one shown
        errors.check_text(key, values[key], what)
    if not values["name"]:
        errors.add("name", "Enter your name")
    elif len(values["name"]) > NAME_MAX:
        errors.add("name", f"Your name must be {NAME_MAX} characters or fewer")
    clean["name"] = values["name"]
    try:
        clean["mobile"] = normalise_mobile(values["mobile"])
    except ContactError as exc:
        errors.add("mobile", str(exc))
    try:
        place = parse_place(values["postcode"])
        # A full postcode is cut to its district: nothing more precise is kept.
        clean["postcode_district"] = place.code if place else None
    except PostcodeError as exc:
        errors.add("postcode", str(exc))
    if not is_valid_timezone(values["timezone"]):
        errors.add("timezone", "Choose a time zone from the list")
    clean["timezone"] = values["timezone"]
    return clean


@bp.route("/conditions", methods=["GET", "POST"])
def conditions():
    patient: Patient = current_user.patient
    rules = load_rules()
    today = clock.today(patient.timezone)
    allowed = known.condition_codes(rules)
    errors = Errors()
    chosen = patient.known_condition_codes(on=today)
    if request.method == "POST":
        chosen = set(request.form.getlist("conditions"))
        if any(code not in allowed for code in chosen):
            errors.add("conditions", "Select conditions from the list")
        else:
            # One held from before that the list no longer offers is kept, not dropped unseen.
            chosen |= patient.known_condition_codes(on=today) - set(allowed)
            try:
                with db.transaction() as s:
                    known.choose_as_patient(s, patient, chosen, today)
            except IntegrityError:  # the same condition added at the same moment elsewhere
                flash("Your known conditions changed while you were saving. Check them below.")
                return redirect(url_for("settings.conditions"))
            flash("Your known conditions have been saved.", "success")
            return redirect(url_for("settings.index"))
    return render_form(
        "settings/conditions.html",
        errors,
        rules=rules,
        allowed=allowed,
        chosen=chosen,
        from_team={k.symptom_code: k for k in patient.known_conditions if k.set_by_team},
        today=today,
    )
