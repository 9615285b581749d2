"""Sign in, sign out, sign up (open or by invitation link) and change password."""

from __future__ import annotations

from enum import Enum

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker import clock, config, db
from tracker.auth import invitations, throttle
from tracker.auth import sign_in as start_signed_in
from tracker.auth.forms import (
    AccountValues,
    NewAccount,
    check_account,
    check_new_password,
    lookup_email,
    read_account,
    read_sign_in,
)
from tracker.auth.models import Invitation
from tracker.auth.passwords import hash_password, needs_rehash, verify_password
from tracker.auth.sessions import end_all_sessions, end_session
from tracker.forms import Errors, render_form
from tracker.patients.contact import display_mobile
from tracker.patients.models import DIED, Patient
from tracker.security import public, safe_next
from tracker.team.models import Team

bp = Blueprint("auth", __name__)

WRONG_DETAILS = "Your email address or password is not right. Check them and try again"


class Locked(Enum):
    """The attempt was refused by the throttle before any password was checked."""

    LOCKED = "locked"


def _client_address() -> str | None:
    # Behind a reverse proxy this would be the proxy's own address, putting every patient under
    # one per-address limit; TRACKER_PROXY_COUNT makes the app factory trust X-Forwarded-For.
    return request.remote_addr


def _authenticate(email: str, password: str) -> Patient | Locked | None:
    """The patient if `password` is theirs; Locked if the throttle refuses; None otherwise.

    Same answer and about the same time for an unknown email as for a wrong password:
    verify_password checks a dummy hash when there is no account. On success the caller's
    commit (in tracker.auth.sign_in, or its own) saves the cleared failures and any rehash.
    """
    s = db.session()
    limits = config.current().sign_in
    attempt = throttle.begin_attempt(s, throttle.subject_for(email, _client_address()), limits)
    if attempt is None:
        return Locked.LOCKED
    patient = s.scalar(select(Patient).where(Patient.email == email))
    stored = patient.password_hash if patient is not None else None
    # Always verify, even with no account, so both cost the same. verify_password refuses
    # an over-long password before hashing anything.
    if not verify_password(stored, password) or patient is None or stored is None:
        return None
    attempt.succeeded(s)
    if needs_rehash(stored):
        patient.password_hash = hash_password(password)
    return patient


def _too_many_attempts():
    limits = config.current().sign_in
    # No email or address in the log: just that the limit was met, for spotting an attack.
    current_app.logger.warning("Sign-in refused: too many failed attempts")
    response = make_response(render_template("auth/too_many_attempts.html", minutes=limits.minutes))
    response.status_code = 429
    response.headers["Retry-After"] = str(int(limits.window.total_seconds()))
    return response


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
            outcome = _authenticate(lookup_email(typed.email), typed.password)
            if outcome is Locked.LOCKED:
                return _too_many_attempts()
            if isinstance(outcome, Patient):
                start_signed_in(outcome)
                return redirect(safe_next(request.args.get("next"), url_for("diary.home")))
            errors.add("email", WRONG_DETAILS)
    return render_form("auth/sign_in.html", errors, email=email)


@bp.post("/sign-out")
@public  # someone whose session has already ended can still press "Sign out" without a detour
def sign_out():
    """End this browser's session on the server as well as in the cookie."""
    if current_user.is_authenticated:
        with db.transaction() as s:
            end_session(s, current_user.session_key, "signed_out")
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("home.index"))


@bp.route("/sign-up", methods=["GET", "POST"])
@public
def sign_up():
    """Open sign-up, choosing a team: only when OPEN_SIGNUP is on (the demo)."""
    if not config.current().web.open_signup:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("diary.home"))
    teams = list(db.session().scalars(select(Team).order_by(Team.name, Team.hospital, Team.id)))
    return _account_page(teams, invitation=None)


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


class _Taken(Enum):
    EMAIL = "email"
    LINK = "link"


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
            email_taken=_email_taken,
        )
        if account is not None:
            outcome = _open_account(account, invitation)
            if outcome is _Taken.LINK:
                return _link_problem(invitations.Status.USED)
            if outcome is _Taken.EMAIL:
                errors.add("email", "There is already an account with this email address")
            else:
                flash("Your account is ready. You are signed in.", "success")
                return redirect(url_for("diary.home"))
    return render_form(
        "auth/sign_up.html", errors, teams=teams, fixed_team=fixed_team, values=values
    )


def _email_taken(email: str, other_than: int | None = None) -> bool:
    query = select(Patient.id).where(Patient.email == email)
    if other_than is not None:
        query = query.where(Patient.id != other_than)
    return db.session().scalar(query) is not None


# ---- completing an account the treating team enrolled (tracker.team.enrolment) -------------


def _enrolled_account_page(invitation: Invitation):
    """The same form as sign-up, filled in with what the team entered: the patient checks their
    details, chooses a password and says how we may contact them. The team is the patient's.
    """
    patient = db.session().get(Patient, invitation.patient_id)
    if patient is None or patient.password_hash is not None or patient.ended_reason == DIED:
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
            email_taken=lambda email: _email_taken(email, other_than=patient.id),
        )
        if account is not None:
            outcome = _complete_enrolled(account, invitation, patient)
            if outcome is _Taken.LINK:
                return _link_problem(invitations.Status.USED)
            if outcome is _Taken.EMAIL:
                errors.add("email", "There is already an account with this email address")
            else:
                flash("Your account is ready. You are signed in.", "success")
                return redirect(url_for("diary.home"))
    return render_form(
        "auth/sign_up.html", errors, teams=[patient.team], fixed_team=patient.team, values=values
    )


def _complete_enrolled(
    account: NewAccount, invitation: Invitation, patient: Patient
) -> Patient | _Taken:
    """Claim the link, complete the enrolled patient's account and sign them in: one commit."""
    s = db.session()
    now = clock.now()
    password_hash = hash_password(account.password)  # before the first write: no lock held
    patient_id = patient.id
    try:
        if not invitations.claim(s, invitation.id, now):
            s.rollback()
            return _Taken.LINK
        patient.name = account.name
        patient.email = account.email
        patient.mobile = account.mobile
        patient.password_hash = password_hash
        patient.password_changed_at = now
        patient.email_consent_at = now if account.email_reminders else None
        patient.sms_consent_at = now if account.sms_reminders else None
        invitations.record_user(s, invitation.id, patient_id)
        start_signed_in(patient)  # adds the session and commits everything above with it
    except IntegrityError:
        s.rollback()
        if not _email_taken(account.email, other_than=patient_id):
            raise
        return _Taken.EMAIL
    return patient


def _open_account(account: NewAccount, invitation: Invitation | None) -> Patient | _Taken:
    """Claim the link (if any), create the patient and sign them in: one transaction."""
    s = db.session()
    now = clock.now()
    # Hash before the transaction's first write, so the slow part holds no lock.
    password_hash = hash_password(account.password)
    try:
        # Claim first: a second tab submitting the same link then waits on this row and finds
        # it used, rather than racing to create a second account.
        if invitation is not None and not invitations.claim(s, invitation.id, now):
            s.rollback()
            return _Taken.LINK
        patient = Patient(
            team_id=account.team_id,
            name=account.name,
            email=account.email,
            mobile=account.mobile,
            timezone=config.current().timezone.key,
            enrolled_on=clock.local_date(now, config.current().timezone),
            password_hash=password_hash,
            password_changed_at=now,
            email_consent_at=now if account.email_reminders else None,
            sms_consent_at=now if account.sms_reminders else None,
        )
        s.add(patient)
        s.flush()
        if invitation is not None:
            invitations.record_user(s, invitation.id, patient.id)
        start_signed_in(patient)  # adds the session and commits everything above with it
    except IntegrityError:
        s.rollback()
        if not _email_taken(account.email):
            raise
        # Someone else took this email address between the check and the insert.
        return _Taken.EMAIL
    return patient


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
            outcome = _authenticate(patient.email, current)
            if outcome is Locked.LOCKED:
                return _too_many_attempts()
            if not isinstance(outcome, Patient) or outcome.id != patient.id:
                errors.add("current-password", "Your current password is not right")
        if not errors and new is not None:
            _replace_password(patient, new)
            flash(
                "Your password has been changed. Any other devices you were signed in on "
                "have been signed out.",
                "success",
            )
            return redirect(url_for("settings.index"))
    return render_form("auth/change_password.html", errors)


def _replace_password(patient: Patient, new_password: str) -> None:
    """New hash, every session ended, and a fresh one for this browser: one commit."""
    s = db.session()
    patient.password_hash = hash_password(new_password)
    patient.password_changed_at = clock.now()
    end_all_sessions(s, patient.id, "password_changed")
    start_signed_in(patient)
