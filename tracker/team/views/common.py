"""What every team page shares: the blueprint, the signed-in member, and turning "not yours"
into 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from flask import Blueprint, abort, render_template
from flask_login import current_user

from tracker.team.access import NotFound
from tracker.team.models import Staff

bp = Blueprint("team", __name__, url_prefix="/team")


def staff() -> Staff:
    """The signed-in member. Only staff reach team pages (tracker.auth's guard sees to it)."""
    return current_user.staff


def service_admins_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as for service administrators: anyone else gets 404, as for a page that is
    not there. The mark lets tests/team/test_access.py find every such view."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not staff().is_service_admin:
            abort(404)
        return view(*args, **kwargs)

    guarded.service_admins_only = True  # type: ignore[attr-defined]
    return guarded


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
