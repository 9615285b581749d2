"""The team notices job (every 15 minutes): thin, it opens an app context and calls the use case."""

from __future__ import annotations

import logging

from flask import Flask

from tracker import clock, config, db
from tracker.team.notices import NoticeSummary, queue_team_notices

log = logging.getLogger(__name__)


def run(app: Flask) -> NoticeSummary:
    """Queue teams' urgent emails and yesterday's digests; the dispatch job sends them."""
    with app.app_context(), db.transaction() as s:
        summary = queue_team_notices(s, config.of(app).web.public_url, clock.now())
    if summary.urgent or summary.digests or summary.past_due:
        log.info(
            "team notices: urgent %d, digests %d, requests past due %d",
            summary.urgent,
            summary.digests,
            summary.past_due,
        )
    return summary
