"""What every team page shares: the blueprint, the signed-in member, and turning "not yours"
into 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_login import current_user

from tracker import config
from tracker.team.access import NotFound
from tracker.team.models import Staff

bp = Blueprint("team", __name__, url_prefix="/team")


def staff() -> Staff:
    """The signed-in member. Only staff reach team pages (tracker.auth's guard sees to it)."""
    return current_user.staff


def client_address() -> str | None:
    # As for patients (tracker.auth.views): behind a proxy, TRACKER_PROXY_COUNT makes this the
    # client's address rather than the proxy's.
    return request.remote_addr


@contextmanager
def or_404() -> Iterator[None]:
    """Answer 404 for anything outside the member's teams: the same as for an unknown id."""
    try:
        yield
    except NotFound:
        abort(404)


def too_many_attempts():
    limits = config.current().sign_in
    # Nothing about who: just that the limit was met, for spotting an attack.
    current_app.logger.warning("Staff sign-in refused: too many failed attempts")
    response = make_response(render_template("team/too_many_attempts.html", minutes=limits.minutes))
    response.status_code = 429
    response.headers["Retry-After"] = str(int(limits.window.total_seconds()))
    return response


@bp.errorhandler(404)
def not_found(_error):
    # A patient refused here sees the service's ordinary 404, as if /team/ did not exist.
    staff_in = current_user.is_authenticated and current_user.is_staff
    return render_template("team/not_found.html" if staff_in else "errors/404.html"), 404
