"""The dispatch job (every minute): thin, it opens an app context and calls the use case."""

from __future__ import annotations

import logging

from flask import Flask

from tracker.notify.dispatch import DispatchSummary, dispatch_due

log = logging.getLogger(__name__)


def run(app: Flask) -> DispatchSummary:
    """One dispatch pass. Safe to run in several processes at once (claims are leases)."""
    with app.app_context():
        summary = dispatch_due()
    # Counts only: nothing about any one patient.
    if summary.claimed or summary.prompts:
        log.info(
            "dispatch: prompts %d, claimed %d, sent %d, retry %d, failed %d, unknown %d, "
            "held %d, cancelled %d, fallbacks %d, undelivered prompts %d, "
            "undelivered reminders %d, lost leases %d",
            summary.prompts,
            summary.claimed,
            summary.sent,
            summary.retried,
            summary.failed,
            summary.unknown,
            summary.held,
            summary.cancelled,
            summary.fallbacks,
            summary.undelivered,
            summary.undelivered_reminders,
            summary.lost_leases,
        )
    return summary
