"""Staff sign-in: a password, then a code from an authenticator app (or a recovery code).

Between the two steps the member is not signed in: the signed session cookie holds only their
id, when the password was accepted and where to go next, for PENDING_SECONDS. The first time,
the second step is enrolling the authenticator: a QR code, the secret in words, and a code to
prove it works; then the recovery codes, shown once.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from tracker import clock, config, db
from tracker.auth import sign_in as start_signed_in
from tracker.auth import throttle
from tracker.auth.forms import check_new_password, lookup_email, read_sign_in
from tracker.auth.invitations import Status
from tracker.auth.sessions import end_sessions
from tracker.auth.signing_in import WRONG_DETAILS, client_address, sign_out_here
from tracker.auth.signing_in import too_many_attempts as too_many_attempts_page
from tracker.forms import Errors, render_form
from tracker.security import public, safe_next
from tracker.team import accounts, member_reset, totp
from tracker.team.models import Staff
from tracker.team.views.common import bp, staff

PENDING = "staff_pending"
# Long enough to find a phone and open the app; short enough that a half-finished sign-in
# left on a shared computer does not wait for the next person.
PENDING_SECONDS = 5 * 60
WRONG_CODE = (
    "The code is not right. Enter the 6-digit code your authenticator app shows now, "
    "or one of your recovery codes"
)

WRONG_FIRST_CODE = "The code is not right. Check the app shows this account, and try again"


def _limits() -> throttle.Limits:
    return config.current().sign_in


def too_many_attempts():
    return too_many_attempts_page("team/too_many_attempts.html", "Staff sign-in")


def _home() -> str:
    return url_for("team.queue")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    """Step one: email and password."""
    if current_user.is_authenticated and current_user.is_staff:
        return redirect(_home())
    errors = Errors()
    email = ""
    if request.method == "POST":
        typed = read_sign_in(request.form, errors)
        email = typed.email
        if not errors:
            outcome = accounts.check_password(
                db.session(),
                lookup_email(typed.email),
                typed.password,
                client_address(),
                _limits(),
            )
            if outcome is accounts.Refused.LOCKED:
                return too_many_attempts()
            if isinstance(outcome, Staff):
                return _second_step(outcome)
            errors.add("email", WRONG_DETAILS)
    return render_form("team/sign_in.html", errors, email=email)


def _second_step(member: Staff):
    session.pop(PENDING, None)
    session[PENDING] = {
        "id": member.id,
        "at": int(clock.now().timestamp()),
        "next": safe_next(request.args.get("next"), _home()),
    }
    if member.totp_enabled_at is None:
        return redirect(url_for("team.set_up_authenticator"))
    return redirect(url_for("team.sign_in_code"))


def _pending_member() -> Staff | None:
    """The member who passed step one in this browser, within PENDING_SECONDS; else None."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    age = clock.now().timestamp() - pending.get("at", 0)
    if not 0 <= age <= PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    return db.session().get(Staff, pending.get("id"))


def _finish(member: Staff):
    target = session.get(PENDING, {}).get("next") or _home()
    start_signed_in(member)  # clears the session, pending state and all
    return redirect(safe_next(target, _home()))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def sign_in_code():
    """Step two: the code from the authenticator app, or a recovery code."""
    member = _pending_member()
    if member is None:
        flash("Sign in again: the time to enter a code ran out.")
        return redirect(url_for("team.sign_in"))
    if member.totp_enabled_at is None:
        return redirect(url_for("team.set_up_authenticator"))
    errors = Errors()
    if request.method == "POST":
        typed = (request.form.get("code") or "").strip()
        if not typed:
            errors.add("code", "Enter the code from your authenticator app")
        else:
            outcome = accounts.check_code(db.session(), member, typed, client_address(), _limits())
            if outcome is accounts.Refused.LOCKED:
                return too_many_attempts()
            if outcome is True:
                return _finish(member)
            errors.add("code", WRONG_CODE)
    return render_form("team/sign_in_code.html", errors)


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
@public
def set_up_authenticator():
    """First sign-in: scan the QR code (or type the secret), then prove it with a code."""
    member = _pending_member()
    if member is None:
        flash("Sign in again: the time to set up your authenticator ran out.")
        return redirect(url_for("team.sign_in"))
    if member.totp_enabled_at is not None:
        return redirect(url_for("team.sign_in_code"))
    s = db.session()
    secret = accounts.secret_to_enrol(s, member)
    errors = Errors()
    if request.method == "POST":
        typed = (request.form.get("code") or "").strip()
        if not typed:
            errors.add("code", "Enter the 6-digit code your authenticator app shows")
        else:
            outcome = accounts.confirm_enrolment(s, member, typed, client_address(), _limits())
            if outcome is accounts.Refused.LOCKED:
                return too_many_attempts()
            if isinstance(outcome, list):
                next_page = session.get(PENDING, {}).get("next") or _home()
                start_signed_in(member)
                # Shown in this response only: the codes are never stored where they can be read.
                return render_template(
                    "team/recovery_codes.html", codes=outcome, next_page=next_page, first=True
                )
            errors.add("code", WRONG_FIRST_CODE)
    return render_form(
        "team/set_up_authenticator.html",
        errors,
        qr=totp.qr_svg(
            totp.provisioning_uri(secret, member.email),
            "QR code to add your team workspace account to an authenticator app",
        ),
        secret=totp.grouped(secret),
    )


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@public
def reset_account(token: str):
    """After an administrator's reset, or for a new account: a password, then the authenticator,
    as at a first sign-in (tracker.team.member_reset)."""
    member, status = member_reset.open_link(db.session(), token)
    if member is None or status is not Status.VALID:
        code = 404 if status is Status.UNKNOWN else 410
        return render_template("team/reset_problem.html", status=status.value), code
    errors = Errors()
    if request.method == "POST":
        new = check_new_password(
            request.form.get("password") or "", request.form.get("confirm-password") or "", errors
        )
        if new is not None:
            member = member_reset.set_password(db.session(), token, new)
            if member is None:
                return render_template("team/reset_problem.html", status="used"), 410
            return _second_step(member)
    # A new account has never had a password: the page says "choose", not "choose a new".
    return render_form("team/reset_account.html", errors, new=member.password_changed_at is None)


@bp.post("/sign-out")
@public  # a member whose session has just ended can still press "Sign out"
def sign_out():
    """End this browser's session on the server as well as in the cookie."""
    sign_out_here(current_user.is_authenticated and current_user.is_staff)
    return redirect(url_for("team.sign_in"))


@bp.get("/account")
def account():
    """The member's own account: their teams, and their recovery codes."""
    member = staff()
    return render_template(
        "team/account.html",
        member=member,
        unused_codes=accounts.unused_recovery_codes(db.session(), member.id),
    )


@bp.post("/account/recovery-codes")
def new_recovery_codes():
    """New recovery codes; the old ones stop working."""
    member = staff()
    with db.transaction() as s:
        codes = accounts.replace_recovery_codes(s, member)
    return render_template("team/recovery_codes.html", codes=codes, next_page=None, first=False)


@bp.post("/account/sign-out-everywhere")
def sign_out_everywhere():
    """End every session of this member, this one included (a lost or shared device)."""
    with db.transaction() as s:
        end_sessions(s, "signed_out_everywhere", staff_id=staff().id)
    logout_user()
    session.clear()
    flash("You have been signed out on every device.", "success")
    return redirect(url_for("team.sign_in"))
