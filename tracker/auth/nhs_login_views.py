"""Signing in with NHS login: the way out to NHS login, and the way back (tracker.auth.nhs_login).

Off unless NHS login is configured: every route here is a 404 without it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from tracker import clock, config, db
from tracker.auth import nhs_login
from tracker.auth import sign_in as start_signed_in
from tracker.security import public

log = logging.getLogger(__name__)

bp = Blueprint("nhs_login", __name__, url_prefix="/sign-in/nhs-login")

# What the way out leaves for the way back, in the signed session cookie.
PENDING = "nhs_login_pending"


def _settings():
    settings = config.current().nhs_login
    if not settings.enabled:
        abort(404)
    return settings


def _return_address() -> str:
    return config.current().web.public_url + url_for("nhs_login.back")


@bp.get("/")
@public
def start():
    """Off to NHS login, with a fresh state, nonce and PKCE verifier kept for the way back."""
    try:
        begun = nhs_login.begin(_settings(), _return_address())
    except nhs_login.NhsLoginFailed as failed:
        return _problem(failed.reason)
    session[PENDING] = {"state": begun.state, "nonce": begun.nonce, "verifier": begun.verifier}
    return redirect(begun.url)


@bp.get("/back")
@public
def back():
    """NHS login's answer: checked, joined to the patient's record, and signed in."""
    cfg = _settings()
    pending = session.pop(PENDING, None)
    if request.args.get("error"):
        return _problem("cancelled_or_refused")  # the person stopped, or NHS login said no
    code, state = request.args.get("code"), request.args.get("state")
    if not pending or not code or not state or state != pending.get("state"):
        return _problem("state_mismatch")
    begun = nhs_login.Start("", pending["state"], pending["nonce"], pending["verifier"])
    try:
        identity = nhs_login.finish(cfg, code, begun, _return_address(), clock.now())
        with db.transaction() as s:
            patient = nhs_login.patient_for(s, identity, clock.now())
    except nhs_login.NhsLoginFailed as failed:
        return _problem(failed.reason)
    start_signed_in(patient)
    return redirect(url_for("diary.home"))


def _problem(reason: str):
    log.warning("nhs login sign-in stopped: %s", reason)  # a code only: nothing about anyone
    not_matched = reason in ("not_enrolled", "date_of_birth_differs", "no_nhs_number")
    page = render_template("auth/nhs_login_problem.html", not_matched=not_matched)
    return page, 403 if not_matched else 400
