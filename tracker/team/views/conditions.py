"""A patient's known conditions, set by the team: add one, change its end date or reason, remove it.

Thin: find the patient among the member's teams (404 otherwise), check the form with
tracker.team.conditions, save in one transaction with its audit row, back to the record.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker import clock, db
from tracker.forms import Errors, render_form
from tracker.patients import conditions as known
from tracker.patients.models import KnownCondition, Patient
from tracker.rules import load_rules
from tracker.team import access
from tracker.team import conditions as team_conditions
from tracker.team.views.common import bp, or_404, staff

# Where the record's list of known conditions starts, to come back to it.
ANCHOR = "known-conditions"


def _patient(patient_id: int) -> Patient:
    with or_404():
        return access.patient_for(db.session(), staff(), patient_id)


def _condition(found: Patient, code: str) -> KnownCondition:
    row = known.find(found, code)
    if row is None:
        abort(404)
    return row


def _back(found: Patient):
    return redirect(url_for("team.patient", patient_id=found.id, _anchor=ANCHOR))


def _gone(found: Patient):
    # Removed by someone else (or a second click) between reading it and saving.
    flash("This known condition had already been removed. Nothing was changed.")
    return _back(found)


@bp.route("/patients/<int:patient_id>/conditions/new", methods=["GET", "POST"])
def add_condition(patient_id: int):
    """Note a symptom as expected for the patient, until a date or for good, and why."""
    found = _patient(patient_id)
    rules = load_rules()
    choices = team_conditions.offered(found, known.condition_codes(rules))
    errors = Errors()
    values = team_conditions.ConditionValues()
    if request.method == "POST":
        values = team_conditions.read_form(request.form)
        checked = team_conditions.check(values, errors, clock.today(found.timezone), choices)
        if checked is not None:
            try:
                with db.transaction() as s:
                    team_conditions.add(s, staff(), found, checked)
            except IntegrityError:  # added by someone else between the check and the insert
                errors.add("symptom", "This symptom has just been noted for the patient")
            else:
                flash("The known condition has been saved.", "success")
                return _back(found)
    return render_form(
        "team/condition.html", errors, p=found, values=values, choices=choices, row=None
    )


@bp.route("/patients/<int:patient_id>/conditions/<code>", methods=["GET", "POST"])
def change_condition(patient_id: int, code: str):
    """Change a known condition's end date or reason (it becomes the team's)."""
    found = _patient(patient_id)
    row = _condition(found, code)
    errors = Errors()
    values = team_conditions.values_of(row)
    if request.method == "POST":
        values = team_conditions.read_form(request.form, code)
        checked = team_conditions.check(values, errors, clock.today(found.timezone), None)
        if checked is not None:
            try:
                with db.transaction() as s:
                    changed = team_conditions.change(s, staff(), found, row, checked)
            except StaleDataError:
                return _gone(found)
            flash("The known condition has been saved." if changed else "Nothing was changed.")
            return _back(found)
    return render_form("team/condition.html", errors, p=found, values=values, choices=None, row=row)


@bp.post("/patients/<int:patient_id>/conditions/<code>/remove")
def remove_condition(patient_id: int, code: str):
    """Stop treating the symptom as expected; its history stays."""
    found = _patient(patient_id)
    row = _condition(found, code)
    try:
        with db.transaction() as s:
            team_conditions.remove(s, staff(), found, row)
    except StaleDataError:
        return _gone(found)
    flash("The known condition has been removed.", "success")
    return _back(found)
