"""/healthz, /readyz and /metrics: cheap, for probes and Prometheus; no sign-in, no session."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tracker import config, db, migrate
from tracker.ops import metrics
from tracker.ops.health import unready_reason
from tracker.security import public

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    """The process answers: nothing else is looked at (not even the database)."""
    return _uncached(jsonify(status="ok"))


@bp.get("/readyz")
@public
def readyz() -> Response:
    """Ready for traffic: the database answers and its schema is the code's."""
    reason = unready_reason(db.engine(), migrate.heads())
    if reason is None:
        return _uncached(jsonify(status="ready"))
    response = jsonify(status="unavailable", reason=reason)
    response.status_code = 503
    return _uncached(response)


@bp.get("/metrics")
@public  # guarded by its own bearer token, not by a sign-in
def scrape() -> Response:
    """Prometheus' text format, for a scraper holding TRACKER_METRICS_TOKEN."""
    token = config.current().web.metrics_token
    if token is None:
        abort(404)  # not switched on: as if there were no such page
    given = request.headers.get("Authorization", "").encode()
    # Constant time: how much of a guess was right must not show in how long the answer takes.
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        unauthorised = Response("Unauthorised\n", 401, mimetype="text/plain")
        unauthorised.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return _uncached(unauthorised)
    body = generate_latest(metrics.of(current_app).registry)
    return _uncached(Response(body, content_type=CONTENT_TYPE_LATEST))


def _uncached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
