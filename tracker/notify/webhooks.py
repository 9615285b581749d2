"""Twilio's webhooks: POST /twilio/status (delivery reports) and POST /twilio/inbound (texts).

Both check X-Twilio-Signature with the library's RequestValidator against TRACKER_PUBLIC_URL
plus the path and query string, never the Host or X-Forwarded-* headers of the request: behind
a TLS proxy the URL Twilio signed is the public one, and a forged X-Forwarded-Host cannot make a
bad signature pass. A missing or wrong signature answers 403 and changes nothing.

They are exempt from CSRF (Twilio has no form token; the signature is the check) and public
(the default-deny sign-in guard must answer them, never redirect them to a sign-in page).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, request
from twilio.request_validator import RequestValidator

from tracker import clock, config, db
from tracker.config import Settings
from tracker.notify import inbound
from tracker.security import public

log = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__, url_prefix="/twilio")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

# What Twilio sends, loosely: a message id is letters and digits ("SM" and 32 hex digits today)
# and fits the columns that keep it; an error code is a number. Anything else cannot be from
# Twilio however it is signed, and is refused before it reaches the database, which would keep
# it on a text (or, holding NUL, fail the whole callback on PostgreSQL).
_SID = re.compile(r"[A-Za-z0-9]{1,64}")
_ERROR_CODE = re.compile(r"[0-9]{1,10}")


def signed_url(cfg: Settings) -> str:
    """The URL Twilio called, as the public address says it: what its signature covers."""
    query = request.query_string.decode("utf-8", "replace")
    return cfg.web.public_url + request.path + (f"?{query}" if query else "")


def signature_ok(cfg: Settings) -> bool:
    """True only for a request signed with our auth token for exactly this URL and form."""
    signature = request.headers.get("X-Twilio-Signature")
    if not signature or not cfg.notify.twilio_auth_token:
        return False
    validator = RequestValidator(cfg.notify.twilio_auth_token)
    return validator.validate(signed_url(cfg), request.form, signature)


def _forbidden() -> Response:
    log.warning("twilio webhook refused: missing or wrong signature")
    return Response("", status=403, mimetype="text/plain")


def _malformed(sid: str, error_code: str | None = None) -> bool:
    """True if a signed callback holds a message id or error code Twilio would never send."""
    return bool(sid and not _SID.fullmatch(sid)) or bool(
        error_code and not _ERROR_CODE.fullmatch(error_code)
    )


def _bad_request() -> Response:
    log.warning("twilio webhook refused: a message id or error code of the wrong form")
    return Response("", status=400, mimetype="text/plain")


@bp.post("/status")
@public
def status():
    """A delivery report on one of our texts."""
    cfg = config.current()
    if not signature_ok(cfg):
        return _forbidden()
    form = request.form
    sid, error_code = form.get("MessageSid", ""), form.get("ErrorCode") or None
    if _malformed(sid, error_code):
        return _bad_request()
    with db.transaction() as s:
        outcome = inbound.apply_status(
            s,
            sid=sid,
            status=form.get("MessageStatus") or form.get("SmsStatus") or "",
            error_code=error_code,
            our_id=request.args.get("m"),
            now=clock.now(),
        )
    log.info("twilio status callback: %s", outcome)
    return Response("", status=200, mimetype="text/plain")


@bp.post("/inbound")
@public
def incoming():
    """A text to our number. Replies go through the outbox, never in this answer."""
    cfg = config.current()
    if not signature_ok(cfg):
        return _forbidden()
    form = request.form
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if _malformed(sid):
        return _bad_request()
    with db.transaction() as s:
        result = inbound.receive(
            s,
            cfg,
            sid=sid,
            sender=form.get("From", ""),
            body=form.get("Body"),
            now=clock.now(),
        )
    log.info(
        "twilio inbound text: %s%s", result.keyword, ", reply queued" if result.reply_id else ""
    )
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")
