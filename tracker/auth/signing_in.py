"""What signing in means for patients and staff alike: checking a password under the throttle,
the client's address, the "too many attempts" answer, the words shown, and signing out.

The staff's second step (a code from an authenticator) is theirs alone: tracker.team.accounts.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from flask import Response, current_app, flash, make_response, render_template, request, session
from flask_login import current_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import config, db
from tracker.auth import throttle
from tracker.auth.passwords import hash_password, needs_rehash, verify_password
from tracker.auth.sessions import end_session
from tracker.patients.models import Patient
from tracker.team.models import Staff

WRONG_DETAILS = "Your email address or password is not right. Check them and try again"
SIGNED_OUT = "You have signed out."

Account = TypeVar("Account", Patient, Staff)


class Refused(Enum):
    """Why a step of signing in did not let the person through."""

    LOCKED = "locked"  # too many failures: nothing was checked
    WRONG = "wrong"


def check_password(
    s: Session,
    kind: type[Account],
    email: str,
    password: str,
    subject: throttle.Subject,
    limits: throttle.Limits,
) -> Account | Refused:
    """The patient or member of staff (`kind`) whose password this is, under the throttle.

    The throttle counts the attempt (and commits it) before any password is checked. An
    unknown email costs the same time as a wrong password (verify_password checks a dummy hash
    when there is no account) and gets the same answer. On success the account's failures are
    cleared and an old hash is renewed: the caller commits both.
    """
    attempt = throttle.begin_attempt(s, subject, limits)
    if attempt is None:
        return Refused.LOCKED
    account = s.scalar(select(kind).where(kind.email == email))
    stored = account.password_hash if account is not None else None
    # Always verify, even with no account, so both cost the same. verify_password refuses an
    # over-long password before hashing anything.
    if not verify_password(stored, password) or account is None or stored is None:
        return Refused.WRONG
    attempt.succeeded(s)
    if needs_rehash(stored):
        account.password_hash = hash_password(password)
    return account


def client_address() -> str | None:
    """The address the throttle counts attempts under."""
    # Behind a reverse proxy this would be the proxy's own address, putting everyone under one
    # per-address limit; TRACKER_PROXY_COUNT makes the app factory trust X-Forwarded-For.
    return request.remote_addr


def too_many_attempts(template: str, who: str, **context) -> Response:
    """429 with the page saying how long to wait; `who` ("Sign-in", "Staff sign-in") is logged."""
    limits = config.current().sign_in
    # Nothing about who tried: just that the limit was met, for spotting an attack.
    current_app.logger.warning("%s refused: too many failed attempts", who)
    response = make_response(render_template(template, minutes=limits.minutes, **context))
    response.status_code = 429
    response.headers["Retry-After"] = str(int(limits.window.total_seconds()))
    return response


def sign_out_here(signed_in: bool) -> None:
    """End this browser's session on the server as well as in the cookie, and say so.

    `signed_in` is whether the current user is one this side may sign out: someone whose
    session has already ended can still press "Sign out" and see the same answer.
    """
    if signed_in:
        with db.transaction() as s:
            end_session(s, current_user.session_key, "signed_out")
    logout_user()
    session.clear()
    flash(SIGNED_OUT, "success")
