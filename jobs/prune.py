"""The hourly job that deletes sign-in failures too old to count."""

from __future__ import annotations

import logging

from flask import Flask

from tracker import db
from tracker.auth.throttle import Limits, prune

log = logging.getLogger(__name__)


def prune_sign_in_failures(app: Flask) -> int:
    """Delete expired sign-in failures; returns how many."""
    with app.app_context(), db.transaction() as s:
        deleted = prune(s, Limits.from_config(app.config))
    log.info("pruned %d expired sign-in failures", deleted)
    return deleted
