"""The lost-assessment job (every few minutes): thin, it opens an app context and calls the use
case, `tracker.detection.lost`."""

from __future__ import annotations

import logging

from flask import Flask

from jobs.settings import settings_for
from tracker import clock
from tracker.detection.lost import LostSummary, assess_lost
from tracker.rules.catalogue import load_rules

log = logging.getLogger(__name__)


def run(app: Flask) -> LostSummary:
    """Assess every diary changed but not assessed since (a save whose assessment was lost)."""
    settings = settings_for(app)
    with app.app_context():
        summary = assess_lost(
            app.extensions["sessionmaker"],
            load_rules(),
            clock.of(app).now(),
            settings.assess_lost_after,
        )
    # Counts only: nothing about any one patient.
    if summary.found:
        log.warning(
            "lost assessments: found %d, assessed %d, failed %d; findings %d, alerts opened %d, "
            "updated %d",
            summary.found,
            summary.assessed,
            summary.failed,
            summary.findings,
            summary.opened,
            summary.updated,
        )
    return summary
