"""`make run`: the scheduler inside the development server, started once.

`flask run --debug` runs two processes: the reloader, which watches files, and the child it
starts (and restarts on every change), which serves. Only the child, marked by Werkzeug with
WERKZEUG_RUN_MAIN=true, starts a scheduler, so there is one at a time. Production web workers
never start one: the jobs run as their own process there (`flask --app wsgi jobs run`).
"""

from __future__ import annotations

import atexit
import logging
import threading

from flask import Flask

from tracker import config

log = logging.getLogger(__name__)

_started = threading.Event()


def wanted(settings: config.Settings) -> bool:
    """Whether this process should run the jobs: the serving child of `make run`, only."""
    return (
        settings.web.jobs_in_web
        and settings.web.reloader_child
        and not settings.production
        and not settings.testing
    )


def start_in_dev_server(app: Flask) -> bool:
    """Start a background scheduler if `wanted`, once per process; True if it started."""
    if not wanted(config.of(app)) or _started.is_set():
        return False
    _started.set()
    from jobs.scheduler import build_scheduler  # APScheduler only where it runs

    stop = threading.Event()
    scheduler = build_scheduler(app, stop)
    scheduler.start()
    atexit.register(_stop, scheduler, stop)
    log.info("scheduler started inside the development server")
    return True


def _stop(scheduler, stop: threading.Event) -> None:
    stop.set()
    scheduler.shutdown(wait=False)
