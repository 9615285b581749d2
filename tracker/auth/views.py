"""Sign in, sign out, sign up (open or by invitation link) and change password.

Thin: the use cases are in tracker.auth.accounts, what patients and staff share in
tracker.auth.signing_in.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker import config, db
from tracker.auth import accounts, invitations, remember
from tracker.auth import sign_in as start_signed_in
from tracker.auth.accounts import Opened, Taken
from tracker.auth.forms import (
    AccountValues,
    check_account,
    check_new_password,
    lookup_email,
    read_account,
    read_sign_in,
)
from tracker.auth.models import Invitation
from tracker.auth.signing_in import (
    WRONG_DETAILS,
    Refused,
    client_address,
    sign_out_here,
    too_many_attempts,
)
from tracker.forms import Errors, render_form
from tracker.patients.contact import display_mobile
from tracker.patients.models import Patient
from tracker.patients.services import email_taken
from tracker.security import public, safe_next
from tracker.team.models import Team

bp = Blueprint("auth", __name__)

ACCOUNT_READY = "Your account is ready. You are signed in."
EMAIL_TAKEN = "There is already an account with this email address"


def _too_many_attempts():
    return too_many_attempts("auth/too_many_attempts.html", "Sign-in")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    """Email and password; limited per account and per address before any password check."""
    if current_user.is_authenticated:
        return redirect(url_for("diary.home"))
    errors = Errors()
    email = ""
    if request.method == "POST":
        typed = read_sign_in(request.form, errors)
        email = typed.email
        if not errors:
            outcome = accounts.authenticate(
                db.session(), lookup_email(typed.email), typed.password, client_address()
            )
            if outcome is Refused.LOCKED:
                return _too_many_attempts()
            if isinstance(outcome, Patient):
                start_signed_in(outcome)
                return redirect(safe_next(request.args.get("next"), url_for("diary.home")))
            errors.add("email", WRONG_DETAILS)
    nhs_login = config.current().nhs_login.enabled
    return render_form("auth/sign_in.html", errors, email=email, nhs_login=nhs_login)


@bp.post("/sign-out")
@public  # someone whose session has already ended can still press "Sign out" without a detour
def sign_out():
    """End this browser's session on the server as well as in the cookie."""
    sign_out_here(current_user.is_authenticated)
    return redirect(url_for("home.index"))


@bp.route("/sign-up", methods=["GET", "POST"])
@public
def sign_up():
    """Open sign-up, choosing a team: only when OPEN_SIGNUP is on (the demo)."""
    if not config.current().web.open_signup:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("diary.home"))
    return _account_page(accounts.sign_up_teams(db.session()), invitation=None)


@bp.route("/sign-up/check-your-email")
@public
def signed_up():
    """Where open sign-up ends, whatever the address: the same page for everyone."""
    if not config.current().web.open_signup:
        abort(404)
    return render_template("auth/signed_up.html")


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
def join(token: str):
    """Sign-up from an invitation link: the team is the link's, and the link works once."""
    if current_user.is_authenticated:
        return redirect(url_for("diary.home"))
    invitation, status = invitations.look_up(db.session(), token)
    if invitation is None or status is not invitations.Status.VALID:
        return _link_problem(status)
    if invitation.patient_id is not None:
        return _enrolled_account_page(invitation)
    return _account_page([invitation.team], invitation=invitation)


def _link_problem(status: invitations.Status):
    code = 404 if status is invitations.Status.UNKNOWN else 410
    return render_template("auth/link_problem.html", status=status.value), code


def _account_page(teams: list[Team], invitation: Invitation | None):
    """The sign-up form, for open sign-up (team chosen) or an invitation (team fixed)."""
    errors = Errors()
    fixed_team = invitation.team if invitation is not None else None
    values = AccountValues(
        team=str(fixed_team.id) if fixed_team else "",
        email=(invitation.email or "") if invitation is not None else "",
    )
    if request.method == "POST":
        values = read_account(request.form)
        if fixed_team is not None:
            values.team = str(fixed_team.id)  # the link decides the team, whatever was posted
        account = check_account(
            values,
            request.form.get("password") or "",
            request.form.get("confirm-password") or "",
            errors,
            team_ids={t.id for t in teams},
            # Open sign-up says nothing about whether an address has an account (see
            # accounts.sign_up_openly); an invitation's form says, for the invited patient.
            email_taken=lambda email: invitation is not None and email_taken(db.session(), email),
        )
        if account is not None and invitation is None:
            accounts.sign_up_openly(db.session(), account)
            return redirect(url_for("auth.signed_up"))
        if account is not None:
            outcome = accounts.open_account(db.session(), account, invitation.id)
            if isinstance(outcome, Opened):
                return _signed_up(outcome)
            if outcome is Taken.LINK:
                return _link_problem(invitations.Status.USED)
            errors.add("email", EMAIL_TAKEN)
    return render_form(
        "auth/sign_up.html", errors, teams=teams, fixed_team=fixed_team, values=values
    )


def _signed_up(opened: Opened):
    remember(opened.patient, opened.session_key)
    flash(ACCOUNT_READY, "success")
    return redirect(url_for("diary.home"))


# ---- completing an account the treating team enrolled (tracker.team.enrolment) -------------


def _enrolled_account_page(invitation: Invitation):
    """The same form as sign-up, filled in with what the team entered: the patient checks their
    details, chooses a password and says how we may contact them. The team is the patient's.
    """
    patient = accounts.enrolled_patient(db.session(), invitation)
    if patient is None:
        return _link_problem(invitations.Status.USED)
    errors = Errors()
    values = AccountValues(
        team=str(patient.team_id),
        name=patient.name,
        email=patient.email,
        mobile=display_mobile(patient.mobile),
    )
    if request.method == "POST":
        values = read_account(request.form)
        values.team = str(patient.team_id)  # the record decides the team, whatever was posted
        account = check_account(
            values,
            request.form.get("password") or "",
            request.form.get("confirm-password") or "",
            errors,
            team_ids={patient.team_id},
            email_taken=lambda email: email_taken(db.session(), email, other_than=patient.id),
        )
        if account is not None:
            outcome = accounts.complete_enrolled(db.session(), account, invitation.id, patient)
            if isinstance(outcome, Opened):
                return _signed_up(outcome)
            if outcome is Taken.LINK:
                return _link_problem(invitations.Status.USED)
            errors.add("email", EMAIL_TAKEN)
    return render_form(
        "auth/sign_up.html", errors, teams=[patient.team], fixed_team=patient.team, values=values
    )


@bp.route("/settings/password", methods=["GET", "POST"])
def change_password():
    """Check the current password, set a new one, and end every other session."""
    errors = Errors()
    if request.method == "POST":
        patient: Patient = current_user.patient
        current = request.form.get("current-password") or ""
        if not current:
            errors.add("current-password", "Enter your current password")
        new = check_new_password(
            request.form.get("new-password") or "",
            request.form.get("confirm-password") or "",
            errors,
            field="new-password",
        )
        if new is not None and new == current:
            errors.add("new-password", "Your new password must be different from your current one")
        if not errors:
            outcome = accounts.authenticate(db.session(), patient.email, current, client_address())
            if outcome is Refused.LOCKED:
                return _too_many_attempts()
            if not isinstance(outcome, Patient) or outcome.id != patient.id:
                errors.add("current-password", "Your current password is not right")
        if not errors and new is not None:
            remember(patient, accounts.replace_password(db.session(), patient, new))
            flash(
                "Your password has been changed. Any other devices you were signed in on "
                "have been signed out.",
                "success",
            )
            return redirect(url_for("settings.index"))
    return render_form("auth/change_password.html", errors)
