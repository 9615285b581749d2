"""The daily detection job: thin, it opens an app context and calls the use case."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Flask

from jobs.settings import due_day, settings_for
from tracker import clock
from tracker.detection.runs import RunResult, daily_run_done, run_daily
from tracker.rules.catalogue import load_rules

log = logging.getLogger(__name__)


def run_if_due(
    app: Flask,
    should_stop: Callable[[], bool] | None = None,
    now: datetime | None = None,
) -> RunResult | None:
    """Run the day's detection if it is due and not done; None if nothing was due."""
    day = due_day(now or clock.of(app).now(), settings_for(app))
    if day is None:
        return None
    with app.app_context():
        sessions = app.extensions["sessionmaker"]
        # A cheap look first: the catch-up job asks every few minutes, and a claim that fails
        # on the unique key would put an error in PostgreSQL's log each time.
        if daily_run_done(sessions, day):
            return None
        result = run_daily(
            sessions, app.extensions["engine"], day, load_rules(), should_stop=should_stop
        )
    _log_result(result)
    return result


def _log_result(result: RunResult) -> None:
    # Counts only: nothing about any one patient.
    summary = result.summary
    if summary is None:
        log.info("daily detection %s: %s", result.run_key, result.status)
        return
    log.info(
        "daily detection %s: %s; patients %d, findings %d, opened %d, updated %d, "
        "unchanged %d, failed %d, re-prompted %d",
        result.run_key,
        result.status,
        summary.patients,
        summary.findings,
        summary.opened,
        summary.updated,
        summary.unchanged,
        summary.failed,
        summary.reprompted,
    )
