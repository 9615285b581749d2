"""The start page and the short pages every service needs."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from tracker import config
from tracker.security import public

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("diary.home"))
    return render_template("home/index.html")


@bp.get("/accessibility")
@public
def accessibility():
    settings = config.current()
    return render_template(
        "home/accessibility.html",
        owner=settings.owner,
        public_url=settings.web.public_url,
        session_hours=round(settings.web.session_lifetime.total_seconds() / 3600),
    )


@bp.get("/privacy")
@public
def privacy():
    return render_template("home/privacy.html", owner=config.current().owner)
