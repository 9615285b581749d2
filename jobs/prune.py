"""The hourly job that deletes sign-in failures too old to count."""

from __future__ import annotations

import logging

from flask import Flask

from tracker import config, db
from tracker.auth.throttle import prune
from tracker.team.monitoring import forget_held_passwords

log = logging.getLogger(__name__)


def prune_sign_in_failures(app: Flask) -> int:
    """Delete expired sign-in failures; returns how many."""
    with app.app_context(), db.transaction() as s:
        deleted = prune(s, config.of(app).sign_in)
    log.info("pruned %d expired sign-in failures", deleted)
    return deleted


def forget_undo_material(app: Flask) -> int:
    """Drop what was kept to undo an ending, once it can no longer be undone; returns how many."""
    with app.app_context(), db.transaction() as s:
        forgotten = forget_held_passwords(s)
    log.info("forgot what was kept to undo %d endings", forgotten)
    return forgotten


def prune_expired(app: Flask) -> None:
    """The prune job: expired sign-in failures, and what can no longer be undone."""
    prune_sign_in_failures(app)
    forget_undo_material(app)
