"""Public pages: the support directory at /support, and the information pages.

Nothing here needs sign-in, and nothing here is health data. The search is a GET form so that
results can be shared and bookmarked; a full postcode is cut to its district at once (by a
redirect), so only the district stays in the address bar and the browser's history.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from tracker import db
from tracker.forms import Errors
from tracker.rules import load_rules
from tracker.security import public
from tracker.support import information
from tracker.support.postcodes import PostcodeError, parse_place
from tracker.support.services import (
    RESULTS_MAX,
    Search,
    get_listed,
    search,
    search_terms,
)
from tracker.support.validation import KIND_CODES, KIND_LABELS, KINDS

bp = Blueprint("support", __name__, url_prefix="/support")

WORDS_MAX = 200
AREA_MAX = 20


@bp.get("/")
@public
def index():
    typed = request.args.get("q", "")[:WORDS_MAX].strip()
    # A signed-in patient's own district is the starting filter; the search form always sends
    # `area`, so clearing the box shows everywhere.
    area = request.args.get("area", _own_district())[:AREA_MAX].strip()
    kind = request.args.get("kind", "")
    kind = kind if kind in KIND_CODES else ""  # a tampered choice is ignored, not an error
    errors = Errors()
    # Words with a hidden character are explained, and left out of the search (the box still
    # shows them): PostgreSQL refuses NUL even in a query's parameters.
    words = typed if errors.check_text("q", typed, "Your words", verb="used") else ""
    place = None
    try:
        if errors.check_text("area", area, "Your postcode", verb="used"):
            place = parse_place(area)
    except PostcodeError as exc:
        errors.add("area", str(exc))
    if place is not None and not errors and area.replace(" ", "").upper() != place.code:
        # A full postcode (or lower case): keep only the district in the address.
        return redirect(url_for(".index", q=words or None, kind=kind or None, area=place.code))
    results = search(db.session(), Search(kind=kind or None, place=place, words=words))
    return render_template(
        "support/index.html",
        errors=errors,
        form_has_errors=bool(errors),
        values={"q": typed, "kind": kind, "area": place.code if place else area},
        kinds=KINDS,
        kind_label=KIND_LABELS.get(kind),
        place=place,
        terms=search_terms(words),
        searched=bool(words or kind or area),
        results=results,
        results_max=RESULTS_MAX,
        team=_team(),
        topics=information.TOPICS,
    )


def _own_district() -> str:
    patient = getattr(current_user, "patient", None) if current_user.is_authenticated else None
    return (patient.postcode_district or "") if patient is not None else ""


@bp.get("/services/<int:service_id>")
@public
def service(service_id: int):
    found = get_listed(db.session(), service_id)
    if found is None:
        abort(404)
    return render_template("support/service.html", service=found, team=_team())


@bp.get("/information/")
@public
def information_index():
    return render_template("support/information/index.html", topics=information.TOPICS)


@bp.get("/information/<slug>")
@public
def topic(slug: str):
    found = information.BY_SLUG.get(slug)
    if found is None:
        abort(404)
    others = [t for t in information.TOPICS if t.slug != slug]
    rules = load_rules()
    return render_template(
        found.template,
        topic=found,
        owner=information.CONTENT_OWNER,
        others=others,
        team=_team(),
        signs=information.signs_by_area(rules),
        call_999=information.signs_of(rules, "emergency"),
        same_day=information.signs_of(rules, "same_day"),
    )


def _team():
    """The signed-in patient's treating team, to put first; None for everyone else."""
    if current_user.is_authenticated and getattr(current_user, "patient", None) is not None:
        return current_user.patient.team
    return None
