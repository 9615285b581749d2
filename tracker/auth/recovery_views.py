"""Getting back in: "Forgotten your password?" by email or text, the set-password page, and
confirming a new email address. Thin: the use cases are in tracker.auth.recovery and
tracker.auth.email_change.

Every page that takes an email address answers the same whether or not it has an account.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from tracker import db
from tracker.auth import email_change, recovery, remember
from tracker.auth.forms import check_new_password, lookup_email
from tracker.auth.invitations import Status
from tracker.auth.signing_in import client_address, too_many_attempts
from tracker.forms import Errors, render_form
from tracker.patients.contact import ContactError, normalise_email, normalise_mobile
from tracker.patients.models import Patient
from tracker.security import public

bp = Blueprint("recovery", __name__)

# The browser's token for a code sent by text: in the signed session cookie, never in a URL.
CODE_TOKEN = "reset_code_token"  # noqa: S105 - a session key's name, not a secret
SAVED_AND_SIGNED_IN = (
    "Your new password is saved and you are signed in. You have been signed out on any other "
    "phone, tablet or computer."
)


def _problem(status: Status, kind: str = "link"):
    """The one page for a link or code that is unknown, altered, used or expired."""
    code = 404 if status is Status.UNKNOWN else 410
    return render_template("auth/recovery_problem.html", status=status.value, kind=kind), code


def _too_many():
    return too_many_attempts("auth/too_many_attempts.html", "Account link request", asking=True)


def _read_email(errors: Errors) -> str:
    typed = (request.form.get("email") or "").strip()
    errors.check_text("email", typed, "Your email address", verb="used")
    if not typed:
        errors.add("email", "Enter the email address you sign in with")
    elif not errors.get("email"):
        try:
            normalise_email(typed)
        except ContactError:
            errors.add("email", "Enter an email address in the right format, like name@example.com")
    return typed


@bp.route("/account/forgotten", methods=["GET", "POST"])
@public
def forgotten():
    """Ask for a link by email: the same answer whether or not the address has an account."""
    errors = Errors()
    email = ""
    if request.method == "POST":
        email = _read_email(errors)
        if not errors:
            if not recovery.allowed_from(db.session(), client_address()):
                return _too_many()
            recovery.ask_by_email(db.session(), lookup_email(email))
            return redirect(url_for("recovery.email_sent"))
    return render_form("auth/forgotten.html", errors, email=email)


@bp.get("/account/forgotten/check-your-email")
@public
def email_sent():
    """Where asking by email ends, whatever the address."""
    return render_template("auth/forgotten_sent.html")


@bp.route("/account/forgotten/text", methods=["GET", "POST"])
@public
def by_text():
    """Ask for a code by text: the email address and the mobile number on the account."""
    errors = Errors()
    values = {"email": "", "mobile": ""}
    if request.method == "POST":
        values["email"] = _read_email(errors)
        values["mobile"] = (request.form.get("mobile") or "").strip()
        mobile = None
        if errors.check_text("mobile", values["mobile"], "Your mobile number", verb="used"):
            try:
                mobile = normalise_mobile(values["mobile"])
            except ContactError as exc:
                errors.add("mobile", str(exc))
            if mobile is None:
                errors.add("mobile", "Enter the mobile number you gave us")
        if not errors:
            if not recovery.allowed_from(db.session(), client_address()):
                return _too_many()
            token = recovery.ask_by_text(db.session(), lookup_email(values["email"]), mobile)
            session[CODE_TOKEN] = token
            return redirect(url_for("recovery.code"))
    return render_form("auth/forgotten_text.html", errors, values=values)


@bp.route("/account/forgotten/code", methods=["GET", "POST"])
@public
def code():
    """Type the code from the text; 5 tries, 10 minutes. Right: on to choose a password."""
    token = session.get(CODE_TOKEN)
    if not token:
        return _problem(Status.UNKNOWN, kind="code")
    errors = Errors()
    typed = ""
    if request.method == "POST":
        typed = "".join((request.form.get("code") or "").split())
        if not (len(typed) == 6 and typed.isascii() and typed.isdigit()):
            errors.add("code", "Enter the 6-digit code from the text message")
        else:
            result = recovery.check_code(db.session(), token, typed)
            if result.problem is not None:
                session.pop(CODE_TOKEN, None)
                return _problem(result.problem, kind="code")
            if result.reset_token is not None:
                session.pop(CODE_TOKEN, None)
                return redirect(url_for("recovery.reset", token=result.reset_token))
            times = "1 more time" if result.tries_left == 1 else f"{result.tries_left} more times"
            errors.add(
                "code", f"That code is not right. Check the text and try again. You can try {times}"
            )
    return render_form("auth/forgotten_code.html", errors, code=typed)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str):
    """Choose a new password from a link (email, text code or the team's); ends every session."""
    link, status = recovery.open_reset(db.session(), token)
    if link is None or status is not Status.VALID:
        return _problem(status)
    errors = Errors()
    if request.method == "POST":
        new = check_new_password(
            request.form.get("password") or "", request.form.get("confirm-password") or "", errors
        )
        if new is not None:
            done = recovery.set_password(db.session(), link, new)
            if done is None:
                return _problem(Status.USED)
            patient, key = done
            remember(patient, key)
            flash(SAVED_AND_SIGNED_IN, "success")
            return redirect(url_for("diary.home"))
    return render_form("auth/reset.html", errors)


@bp.route("/settings/email", methods=["GET", "POST"])
def change_email():
    """Ask to change the sign-in address: nothing changes until the new address's link is
    followed. The same answer whether or not another account has that address."""
    patient: Patient = current_user.patient
    errors = Errors()
    email = ""
    if request.method == "POST":
        email = _read_email(errors)
        if not errors and normalise_email(email) == patient.email:
            errors.add("email", "That is already your email address. Enter a different one")
        if not errors:
            if not email_change.ask(db.session(), patient, normalise_email(email)):
                return _too_many()
            flash(
                "We have sent a link to your new email address. Your address changes when you "
                "follow it. Until then, keep signing in with your old one.",
                "success",
            )
            return redirect(url_for("settings.index"))
    return render_form("auth/change_email.html", errors, email=email, current=patient.email)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    """Confirm a new address. A button, not the link itself: mail scanners open links."""
    new_email, status = email_change.pending(db.session(), token)
    if status is not Status.VALID:
        return _problem(status)
    if request.method == "POST":
        outcome = email_change.confirm(db.session(), token)
        if isinstance(outcome, Status):
            return _problem(outcome)
        return render_template("auth/email_changed.html", email=outcome.email)
    return render_template("auth/confirm_email.html", email=new_email)
