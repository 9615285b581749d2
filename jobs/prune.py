"""The hourly job that deletes sign-in failures too old to count."""

from __future__ import annotations

import logging

from flask import Flask

from tracker import config, db
from tracker.auth.throttle import prune

log = logging.getLogger(__name__)


def prune_sign_in_failures(app: Flask) -> int:
    """Delete expired sign-in failures; returns how many."""
    with app.app_context(), db.transaction() as s:
        deleted = prune(s, config.of(app).sign_in)
    log.info("pruned %d expired sign-in failures", deleted)
    return deleted
