"""The team's patients, enrolment, a patient's record, and their status.

Thin: read the form, call a use case in tracker.team, commit, redirect. Every page that shows
or changes one patient's record writes an audit row in the same commit.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from tracker import clock, config, db
from tracker.auth import recovery
from tracker.forms import Errors, parse_id, parse_int, render_form
from tracker.patients import conditions as known
from tracker.patients import reachability
from tracker.patients.contact import display_mobile
from tracker.patients.services import email_taken, nhs_number_taken
from tracker.rules import load_rules
from tracker.team import access, audit, enrolment, monitoring, quiet, record, wording
from tracker.team.models import VIEWED_RECORD
from tracker.team.queue_filter import PAGE_MAX, page_numbers
from tracker.team.views.common import bp, or_404, staff

# The patient list's filter: only the patients no prompt reaches (rules §4).
UNREACHABLE = "unreachable"


@bp.get("/patients/")
def patients():
    """The patients of the member's teams, a page at a time, by name; with `?show=unreachable`,
    only those no prompt reaches."""
    s = db.session()
    team_ids = staff().team_ids
    only_unreachable = request.args.get("show") == UNREACHABLE
    found = record.patients_of(
        s,
        team_ids,
        parse_int(request.args.get("page"), 1, PAGE_MAX) or 1,
        only=[p.id for p in reachability.unreachable_patients(s, team_ids)]
        if only_unreachable
        else None,
    )
    patients_shown = [r.patient for r in found.rows]
    quiet_days = load_rules().thresholds["quiet_days"]
    return render_template(
        "team/patients.html",
        found=found,
        rows=found.rows,
        quiet=quiet.quiet_patients(s, patients_shown, quiet_days),
        quiet_days=quiet_days,
        wording=wording,
        page_numbers=page_numbers,
        several_teams=len(team_ids) > 1,
        only_unreachable=only_unreachable,
        unreachable=reachability.unreachable_among(s, patients_shown),
    )


@bp.route("/patients/new", methods=["GET", "POST"])
def enrol():
    """Add a patient to one of the member's teams and make their invitation link."""
    member = staff()
    rules = load_rules()
    teams = access.member_teams(db.session(), member)
    errors = Errors()
    values = enrolment.EnrolValues(team=str(teams[0].id) if len(teams) == 1 else "")
    if request.method == "POST":
        values = enrolment.read_enrolment(request.form)
        new = _checked(values, errors, teams, rules)
        if new is not None:
            try:
                with db.transaction() as s:
                    enrolled = enrolment.enrol(s, member, new)
            except IntegrityError:
                # Someone enrolled this email address or NHS number between the check and the
                # insert: checking again puts the error beside the field that now clashes.
                if _checked(values, errors, teams, rules) is not None:
                    errors.add("email", "This email address is already used by a diary account")
            else:
                # Shown in this response only: the link is a credential, and is not kept anywhere
                # it could be read back (only its hash is stored).
                return render_template(
                    "team/invitation.html",
                    patient=enrolled.patient,
                    link=enrolled.link,
                    sent=enrolled.sent,
                    expires_at=enrolled.invitation.expires_at,
                    new=True,
                )
    return render_form(
        "team/enrol.html",
        errors,
        values=values,
        teams=teams,
        rules=rules,
        allowed=known.condition_codes(rules),
    )


def _checked(values, errors, teams, rules) -> enrolment.NewPatient | None:
    return enrolment.check_enrolment(
        values,
        errors,
        {t.id for t in teams},
        rules,
        email_taken=lambda email: email_taken(db.session(), email),
        nhs_number_taken=lambda number: nhs_number_taken(db.session(), number),
        today=clock.today(config.current().timezone),
    )


@bp.get("/patients/<int:patient_id>")
def patient(patient_id: int):
    """A patient's record: details, status, the diary as charts and a table, alerts, prompts."""
    member = staff()
    s = db.session()
    with or_404():
        found = access.patient_for(s, member, patient_id)
    audit.record(s, member.id, VIEWED_RECORD, found)
    s.commit()  # the view is on record before the page is sent
    return render_template(
        "team/patient.html",
        record=record.record_of(s, found, load_rules()),
        p=found,
        mobile=display_mobile(found.mobile),
        status=wording.status_label(found.monitoring_status, found.ended_reason),
        outcome_labels=wording.OUTCOME_LABELS,
        has_channel=not reachability.reaches_no_one(s, found),
        today=clock.today(found.timezone),
        condition_history=known.history(s, found.id),
        # A page number that is not one is the first page: never an error for a typed address.
        access=audit.access_page(s, found.id, request.args.get("seen_page", 1, type=int) or 1),
    )


@bp.route("/patients/<int:patient_id>/status", methods=["GET", "POST"])
def status(patient_id: int):
    """Pause, restart, move to another team, or end monitoring."""
    member = staff()
    s = db.session()
    with or_404():
        found = access.patient_for(s, member, patient_id)
    teams = access.teams_to_move_to(s, member, found)
    offered = monitoring.actions_for(found, bool(teams))
    errors = Errors()
    chosen, team = "", ""
    if request.method == "POST":
        chosen = request.form.get("action") or ""
        team = request.form.get("team") or ""
        team_id = parse_id(team)
        if chosen not in offered:
            errors.add("action", "Choose what to do")
        elif chosen == monitoring.MOVE and team_id is None:
            errors.add("team", "Choose the team to move the patient to")
        elif chosen == monitoring.RECORD_DEATH and request.form.get("confirm") != "yes":
            # Nothing is changed until the member confirms, on a page that names the patient.
            return render_template("team/confirm_death.html", p=found)
        if not errors:
            try:
                with db.transaction() as tx:
                    monitoring.apply_action(tx, member, found, chosen, team_id)
            except monitoring.NotAllowed as exc:
                errors.add("team" if chosen == monitoring.MOVE else "action", str(exc))
            else:
                flash(_done(chosen), "success")
                if chosen == monitoring.MOVE and team_id not in member.team_ids:
                    return redirect(url_for("team.patients"))  # no longer this member's patient
                return redirect(url_for("team.patient", patient_id=found.id))
    return render_form(
        "team/status.html",
        errors,
        p=found,
        offered=offered,
        teams=teams,
        chosen=chosen,
        team=team,
        status=wording.status_label(found.monitoring_status, found.ended_reason),
        undo_until=monitoring.undo_until(found),
        can_undo=monitoring.can_undo(member, found, clock.now()),
    )


@bp.post("/patients/<int:patient_id>/status/undo")
def undo_end(patient_id: int):
    """Undo a discharge or a death recorded by mistake (a team administrator, within 7 days)."""
    member = staff()
    s = db.session()
    with or_404():
        found = access.patient_for(s, member, patient_id)
    try:
        with db.transaction() as tx:
            monitoring.undo_end(tx, member, found)
    except monitoring.NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for("team.status", patient_id=found.id))
    flash("Done: monitoring is back as it was before it was ended.", "success")
    return redirect(url_for("team.patient", patient_id=found.id))


def _done(action: str) -> str:
    return {
        monitoring.PAUSE: "Monitoring is paused. No messages will be sent to the patient.",
        monitoring.RESUME: "Monitoring has restarted. Reminders and prompts will be sent again.",
        monitoring.MOVE: "The patient has been moved to the other team.",
        monitoring.DISCHARGE: "Monitoring has ended. No messages will be sent to the patient.",
        monitoring.RECORD_DEATH: (
            "The death has been recorded. Nothing more will be sent, and the account is closed."
        ),
    }[action]


@bp.post("/patients/<int:patient_id>/invitation")
def invitation(patient_id: int):
    """A new invitation link for a patient who has not set up their account yet."""
    member = staff()
    s = db.session()
    with or_404():
        found = access.patient_for(s, member, patient_id)
    if found.password_hash is not None or not monitoring.can_move(found):
        abort(404)  # nothing to invite to: set up already, or the account is closed
    with db.transaction() as tx:
        made = enrolment.new_invitation(tx, member, found)
    return render_template(
        "team/invitation.html",
        patient=found,
        link=made.link,
        sent=made.sent,
        expires_at=made.invitation.expires_at,
        new=False,
    )


@bp.post("/patients/<int:patient_id>/sign-in-link")
def sign_in_link(patient_id: int):
    """A new link for a patient who cannot get into their account (audited)."""
    member = staff()
    s = db.session()
    with or_404():
        found = access.patient_for(s, member, patient_id)
    if not recovery.may_reset(found):
        abort(404)  # no account to get into: not set up yet (make a new link), or closed
    with db.transaction() as tx:
        made = enrolment.new_sign_in_link(tx, member, found)
    return render_template(
        "team/sign_in_link.html",
        patient=found,
        link=made.url,
        sent=made.sent,
        expires_at=made.link.expires_at,
    )
