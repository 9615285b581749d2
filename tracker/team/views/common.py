"""What every team page shares: the blueprint, the signed-in member, and turning "not yours"
into 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, render_template
from flask_login import current_user

from tracker.team.access import NotFound
from tracker.team.models import Staff

bp = Blueprint("team", __name__, url_prefix="/team")


def staff() -> Staff:
    """The signed-in member. Only staff reach team pages (tracker.auth's guard sees to it)."""
    return current_user.staff


@contextmanager
def or_404() -> Iterator[None]:
    """Answer 404 for anything outside the member's teams: the same as for an unknown id."""
    try:
        yield
    except NotFound:
        abort(404)


@bp.errorhandler(404)
def not_found(_error):
    # A patient refused here sees the service's ordinary 404, as if /team/ did not exist.
    staff_in = current_user.is_authenticated and current_user.is_staff
    return render_template("team/not_found.html" if staff_in else "errors/404.html"), 404
