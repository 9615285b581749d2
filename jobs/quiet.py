"""The quiet-patients job: thin, it opens an app context and calls the use case (rules §4b)."""

from __future__ import annotations

import logging

from flask import Flask

from tracker import db
from tracker.rules.catalogue import load_rules
from tracker.team.quiet import raise_quiet

log = logging.getLogger(__name__)


def run(app: Flask) -> int:
    """Put quiet patients who need a call in their team's queue, once per quiet spell."""
    with app.app_context(), db.transaction() as s:
        raised = raise_quiet(s, load_rules())
    if raised:
        log.info("quiet patients: %d added to their teams' queues", raised)  # a count only
    return raised
