"""Sign in, sign out, sign up. (Minimal first version; being completed.)"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from tracker import db
from tracker.auth import sign_in as start_signed_in
from tracker.auth.passwords import verify_password
from tracker.auth.sessions import end_session
from tracker.patients.models import Patient
from tracker.security import public, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    error = None
    email = ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        patient = db.session().scalar(select(Patient).where(Patient.email == email))
        if verify_password(patient.password_hash if patient else None, request.form.get("password") or ""):
            start_signed_in(patient)
            return redirect(safe_next(request.args.get("next"), url_for("diary.home")))
        error = "Enter a correct email address and password"
    return render_template("auth/sign_in.html", error=error, email=email), (400 if error else 200)


@bp.post("/sign-out")
def sign_out():
    with db.transaction() as s:
        end_session(s, current_user.session_key, "signed_out")
    logout_user()
    session.clear()
    return redirect(url_for("home.index"))


@bp.get("/sign-up")
@public
def sign_up():
    return redirect(url_for("auth.sign_in"))


@bp.get("/settings/password")
def change_password():
    return redirect(url_for("settings.index"))
