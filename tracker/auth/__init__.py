"""Accounts, sign-in and sessions. Flask-Login holds the session key, not the user id."""

from __future__ import annotations

from flask import Flask, current_app, session
from flask_login import LoginManager, UserMixin, login_user

from tracker import db
from tracker.auth import sessions
from tracker.patients.models import Patient

login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see your diary."
login_manager.login_message_category = "info"
# Flask-Login's own "session protection" would fight our server-side sessions; they replace it.
login_manager.session_protection = None


class SignedIn(UserMixin):
    """The signed-in patient together with the session they signed in with."""

    def __init__(self, patient: Patient, session_key: str) -> None:
        self.patient = patient
        self.session_key = session_key

    @property
    def id(self) -> int:  # Flask-Login and templates read .id
        return self.patient.id

    def get_id(self) -> str:
        return self.session_key


@login_manager.user_loader
def _load(session_key: str) -> SignedIn | None:
    row = sessions.find_active(
        db.session(), session_key, current_app.config["PERMANENT_SESSION_LIFETIME"]
    )
    if row is None:
        return None
    return SignedIn(row.patient, session_key)


def sign_in(patient: Patient) -> None:
    """Start a fresh server-side session and a fresh cookie (no fixation across sign-in)."""
    session.clear()
    key = sessions.start_session(db.session(), patient)
    db.session().commit()
    session.permanent = True
    login_user(SignedIn(patient, key))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
