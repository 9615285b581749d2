"""The scheduler: APScheduler 3, its jobs, and a process that shuts down cleanly.

Each process keeps its jobs in memory (APScheduler's job stores must not be shared between
processes). Exactly-once comes from the database instead (`tracker.detection.runs`), so running
two scheduler processes by mistake, or restarting one mid-run, is safe.
"""

from __future__ import annotations

import functools
import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from flask.logging import default_handler

from jobs import assess_lost, detect, dispatch, prune, quiet, remind, team_notices
from jobs.settings import JobSettings, settings_for
from tracker import clock
from tracker.detection.runs import BUSY, STOPPED
from tracker.logs import ScrubExceptionMessages
from tracker.ops.jobs import record_success

log = logging.getLogger(__name__)
T = TypeVar("T")

DETECT = "detect"
DETECT_CATCH_UP = "detect-catch-up"
# Saves whose assessment did not complete (rules §4): every few minutes (a setting), and once as
# the scheduler starts, for what died with the last process. A look costs one indexed SELECT.
ASSESS_LOST = "assess-lost"
PRUNE = "prune-sign-in-failures"
# How often the catch-up looks for a daily run that is due but not done: one that failed, or
# whose process was killed, or that was due while no scheduler was running. It also runs once
# as the scheduler starts. A look costs one indexed SELECT.
CATCH_UP_EVERY = timedelta(minutes=15)
PRUNE_EVERY = timedelta(hours=1)
DISPATCH = "dispatch"
REMIND = "remind"
TEAM_NOTICES = "team-notices"
QUIET = "quiet-patients"
# Quiet is counted in days; the job is idempotent (once per quiet spell, by a unique key), so a
# few looks a day put a patient in the queue within hours of going quiet. A look reads each
# patient's latest diary row once.
QUIET_EVERY = timedelta(hours=3)
# Messages go out within a minute of falling due; a pass stops claiming after 50 s, so one
# pass ends before the next is due (max_instances=1 keeps them from overlapping anyway).
DISPATCH_EVERY = timedelta(minutes=1)
# Reminders are queued for their patient's chosen time; the pass is idempotent.
REMIND_EVERY = timedelta(minutes=15)
# A dispatch or reminder pass missed by more than this is simply the next one.
SHORT_GRACE = timedelta(minutes=2)


def detect_trigger(settings: JobSettings) -> CronTrigger:
    """Every day at DETECT_AT, local time."""
    return CronTrigger(
        hour=settings.detect_at.hour, minute=settings.detect_at.minute, timezone=settings.timezone
    )


def build_scheduler(app: Flask, stop: threading.Event) -> BackgroundScheduler:
    """A scheduler with the detection, lost-assessment, dispatch, reminder and prune jobs.

    `stop` asks a running detection pass to stop between batches.
    """
    settings = settings_for(app)
    scheduler = BackgroundScheduler(
        timezone=settings.timezone,
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=3)},
        job_defaults={
            # A run missed while the process was down or busy runs once, late, not once per
            # missed time; and never while the same job is still running.
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(settings.misfire_grace.total_seconds()),
        },
    )
    detect_kwargs = {"should_stop": stop.is_set}
    scheduler.add_job(
        recorded(DETECT, detect.run_if_due),
        detect_trigger(settings),
        args=(app,),
        kwargs=detect_kwargs,
        id=DETECT,
        name="daily detection",
    )
    scheduler.add_job(
        recorded(DETECT_CATCH_UP, detect.run_if_due),
        IntervalTrigger(seconds=int(CATCH_UP_EVERY.total_seconds()), timezone=settings.timezone),
        args=(app,),
        kwargs=detect_kwargs,
        id=DETECT_CATCH_UP,
        name="daily detection catch-up",
        next_run_time=clock.of(app).now(),  # at start, too
    )
    scheduler.add_job(
        recorded(ASSESS_LOST, assess_lost.run),
        IntervalTrigger(
            seconds=int(settings.assess_lost_every.total_seconds()), timezone=settings.timezone
        ),
        args=(app,),
        id=ASSESS_LOST,
        name="assess lost assessments",
        misfire_grace_time=int(SHORT_GRACE.total_seconds()),
        next_run_time=clock.of(app).now(),  # at start, too
    )
    scheduler.add_job(
        recorded(DISPATCH, dispatch.run),
        IntervalTrigger(seconds=int(DISPATCH_EVERY.total_seconds()), timezone=settings.timezone),
        args=(app,),
        id=DISPATCH,
        name="send due messages",
        misfire_grace_time=int(SHORT_GRACE.total_seconds()),
    )
    scheduler.add_job(
        recorded(REMIND, remind.run),
        IntervalTrigger(seconds=int(REMIND_EVERY.total_seconds()), timezone=settings.timezone),
        args=(app,),
        id=REMIND,
        name="queue diary reminders",
        misfire_grace_time=int(SHORT_GRACE.total_seconds()),
    )
    scheduler.add_job(
        recorded(TEAM_NOTICES, team_notices.run),
        IntervalTrigger(seconds=int(REMIND_EVERY.total_seconds()), timezone=settings.timezone),
        args=(app,),
        id=TEAM_NOTICES,
        name="queue teams' emails",
        misfire_grace_time=int(SHORT_GRACE.total_seconds()),
    )
    scheduler.add_job(
        recorded(QUIET, quiet.run),
        IntervalTrigger(seconds=int(QUIET_EVERY.total_seconds()), timezone=settings.timezone),
        args=(app,),
        id=QUIET,
        name="put quiet patients in their team's queue",
    )
    scheduler.add_job(
        recorded(PRUNE, prune.prune_expired),
        IntervalTrigger(seconds=int(PRUNE_EVERY.total_seconds()), timezone=settings.timezone),
        args=(app,),
        id=PRUNE,
        name="prune sign-in failures and what can no longer be undone",
    )
    return scheduler


def recorded(job: str, func: Callable[..., T]) -> Callable[..., T]:
    """`func` (called with the app first), recording its success in the database when it
    returns: what `tracker_job_last_success_timestamp_seconds{job}` reports."""

    @functools.wraps(func)
    def run(app: Flask, *args: Any, **kwargs: Any) -> T:
        result = func(app, *args, **kwargs)
        # A detection pass that stopped between batches, or found another pass running, did
        # not do the day's work; anything that raised is no success either.
        if getattr(result, "status", None) not in (BUSY, STOPPED):
            record_success(app.extensions["sessionmaker"], job, clock.of(app).now())
        return result

    return run


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run_forever(app: Flask) -> None:
    """Run the scheduler in this process until SIGTERM or SIGINT, then stop cleanly."""
    _log_to_stderr(app)
    stop = threading.Event()
    scheduler = build_scheduler(app, stop)
    # The handlers only set an event. The scheduler runs in background threads and the main
    # thread waits here: a handler that called shutdown() itself would run in the middle of
    # whatever the main thread was doing, inside the scheduler's own locks.
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: stop.set())
    # Python runs a handler only in the main thread, and only once it is awake. A signal the
    # kernel hands to a scheduler thread leaves the main thread asleep, so the threads start
    # with these signals blocked (they inherit the mask), and the main thread waits in steps.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        scheduler.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    settings = settings_for(app)
    log.info(
        "scheduler started: detection daily at %s %s",
        settings.detect_at.strftime("%H:%M"),
        settings.timezone.key,
    )
    while not stop.wait(timeout=1):
        pass
    log.info("stopping: a running detection pass stops after its current batch")
    # wait=True: let running jobs return. The pass sees `stop` between batches, records its
    # run as interrupted, and the next start's catch-up finishes it.
    scheduler.shutdown(wait=True)
    log.info("scheduler stopped")


class _JobsLogHandler(logging.StreamHandler):
    """The jobs process's log: to stderr, for the supervisor to keep."""


def _log_to_stderr(app: Flask) -> None:
    """Every record once, on stderr, through one handler that withholds exception messages."""
    # Flask gave the app's logger ("tracker", the parent of every tracker.* logger) a handler
    # of its own when the app was built, because the root logger had none yet. Left there, it
    # writes each record from the app a second time, messages of exceptions and all.
    app.logger.removeHandler(default_handler)
    root = logging.getLogger()
    if any(isinstance(h, _JobsLogHandler) for h in root.handlers):
        return
    handler = _JobsLogHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # On the handler, so it also covers records from APScheduler's loggers: a job's exception
    # message can carry data (a database error quotes the duplicate key).
    handler.addFilter(ScrubExceptionMessages())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
