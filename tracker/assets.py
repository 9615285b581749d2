"""Serve the NHS.UK design system's CSS, JS and images from node_modules (never committed)."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory
from werkzeug.exceptions import NotFound

from tracker.config import PROJECT_ROOT
from tracker.security import public

DIST = PROJECT_ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
OWN = PROJECT_ROOT / "tracker" / "static"

bp = Blueprint("assets", __name__)


@bp.get("/assets/<path:filename>")
@public
def nhsuk(filename: str):
    # The CSS refers to /assets/images/…, which live under dist/nhsuk/assets/. Each folder is
    # asked through send_from_directory, which answers 404 for a name that cannot be a file
    # there (outside the folder, holding NUL, or too long: Path.is_file raised OSError on one
    # of 300 characters, a 500 found by tests/inputs/test_fuzz.py).
    for folder in (DIST / "assets", DIST):
        try:
            return send_from_directory(folder, filename, max_age=3600)
        except NotFound:
            continue
    abort(404)


@bp.get("/static/<path:filename>")
@public
def own(filename: str):
    return send_from_directory(OWN, filename, max_age=3600)
