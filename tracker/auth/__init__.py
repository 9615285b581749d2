"""Accounts, sign-in and sessions. Flask-Login holds the session key, not the user id.

Two kinds of people sign in: patients (their diary) and staff (the team workspace under /team/).
Each kind is kept to its own side by `_keep_to_own_side`, a default-deny guard: staff reach only
the team workspace and public pages, and patients never reach the team workspace.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user

from tracker import config, db
from tracker.auth import sessions
from tracker.patients.models import Patient
from tracker.team.models import Staff

login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see your diary."
login_manager.login_message_category = "info"
# Flask-Login's own "session protection" would fight our server-side sessions; they replace it.
login_manager.session_protection = None

# The blueprint of the team workspace, and the ones open to staff besides it.
STAFF_BLUEPRINTS = ("team", "support_admin")
STAFF_ALSO = ("assets",)


class SignedIn(UserMixin):
    """The signed-in patient together with the session they signed in with."""

    is_staff = False
    is_patient = True

    def __init__(self, patient: Patient, session_key: str) -> None:
        self.patient = patient
        self.session_key = session_key

    @property
    def id(self) -> int:  # Flask-Login and templates read .id
        return self.patient.id

    def get_id(self) -> str:
        return self.session_key


class SignedInStaff(UserMixin):
    """A signed-in member of staff together with their session."""

    is_staff = True
    is_patient = False

    def __init__(self, staff: Staff, session_key: str) -> None:
        self.staff = staff
        self.session_key = session_key

    @property
    def id(self) -> int:
        return self.staff.id

    def get_id(self) -> str:
        return self.session_key


@login_manager.user_loader
def _load(session_key: str) -> SignedIn | SignedInStaff | None:
    web = config.current().web
    if sessions.is_staff_key(session_key):
        row = sessions.find_active(db.session(), session_key, web.session_lifetime, web.staff_idle)
        if row is None or row.staff is None:
            return None
        return SignedInStaff(row.staff, session_key)
    row = sessions.find_active(db.session(), session_key, web.session_lifetime)
    if row is None or row.patient is None:
        return None
    return SignedIn(row.patient, session_key)


def sign_in(account: Patient | Staff) -> None:
    """Start a fresh server-side session and a fresh cookie (no fixation across sign-in).

    For a patient, or a member of staff who has passed both steps. Commits.
    """
    key = sessions.start_session(db.session(), account)
    db.session().commit()
    remember(account, key)


def remember(account: Patient | Staff, session_key: str) -> None:
    """Put a session already committed (`sessions.start_session`) in a fresh cookie."""
    session.clear()
    session.permanent = True
    if isinstance(account, Staff):
        login_user(SignedInStaff(account, session_key))
    else:
        login_user(SignedIn(account, session_key))


def _is_public() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "is_public", False))


def _send_to_staff_sign_in():
    """Signed out, asking for a team page: the staff sign-in, not the patients' one."""
    if request.endpoint is None or request.blueprint not in STAFF_BLUEPRINTS or _is_public():
        return None
    if current_user.is_authenticated:
        return None
    return redirect(url_for("team.sign_in", next=request.full_path.rstrip("?")))


def _keep_to_own_side():
    """Staff only in the team workspace (and public pages); patients never in it.

    Default-deny: a page added to any patient blueprint later is closed to staff without
    anyone remembering to say so. Refused patients get 404, as if /team/ did not exist.
    """
    if request.endpoint is None or not current_user.is_authenticated:
        return None
    public = _is_public()
    if current_user.is_staff:
        if request.blueprint in STAFF_BLUEPRINTS or request.blueprint in STAFF_ALSO or public:
            return None
        if request.method == "GET":
            return redirect(url_for("team.queue"))
        abort(404)
    if request.blueprint in STAFF_BLUEPRINTS and not public:
        abort(404)
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    # Ahead of tracker.security's default-deny guard, which sends every signed-out visitor to
    # the patients' sign-in page: staff pages have their own.
    app.before_request_funcs.setdefault(None, []).insert(0, _send_to_staff_sign_in)
    app.before_request(_keep_to_own_side)
