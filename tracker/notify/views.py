"""/dev/outbox: every message the console channel "sent", for developers. Never in production,
and only to a browser on this machine."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from tracker import config, db
from tracker.notify.models import CONSOLE, OutboxMessage
from tracker.security import public

bp = Blueprint("notify", __name__)

DEV_OUTBOX_LIMIT = 200


@bp.get("/dev/outbox")
@public
def dev_outbox():
    """What the console channel sent, newest first. Development only, this machine only."""
    if config.current().production:
        abort(404)
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(404)  # the page shows every patient's messages: never to another machine
    rows = db.session().scalars(
        select(OutboxMessage)
        .where(OutboxMessage.transport == CONSOLE)
        .order_by(OutboxMessage.id.desc())
        .limit(DEV_OUTBOX_LIMIT)
    )
    return render_template("notify/dev_outbox.html", messages=list(rows))
