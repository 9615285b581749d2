"""`flask --app wsgi jobs …`: run the scheduler, or one detection pass by hand."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from jobs.settings import run_time, settings_for
from tracker import clock
from tracker.detection.run import Summary
from tracker.detection.runs import run_manual
from tracker.notify.cli import dispatch_command
from tracker.patients.cli import remind_command
from tracker.patients.models import Patient
from tracker.rules.catalogue import load_rules

jobs_cli = AppGroup("jobs", help="The scheduled jobs: run the scheduler, or a pass by hand.")


@jobs_cli.command("run")
def run_command() -> None:
    """Run the scheduler in this process until SIGTERM or Ctrl-C (same as `python -m jobs`)."""
    from jobs.scheduler import run_forever

    run_forever(current_app._get_current_object())


@jobs_cli.command("detect")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Assess diaries as of this date, YYYY-MM-DD (default: today in TRACKER_TIMEZONE).",
)
@click.option("--json", "as_json", is_flag=True, help="End with the summary as one JSON line.")
def detect_command(today: datetime | None, as_json: bool) -> None:
    """One detection pass over every patient, now; waits if a pass is already running.

    With --today the app's clock reads that day's run time for the whole pass (re-prompts and
    the run's record included). A pass by hand never counts as the day's scheduled run, so it
    can be repeated. Exits 1 if any patient could not be assessed (the log names their ids,
    nothing else).
    """
    app = current_app._get_current_object()
    settings = settings_for(app)
    at = run_time(today.date(), settings) if today else None
    with clock.of(app).set_for(at) as app_clock:
        _detect(app, app_clock.today(settings.timezone), as_json)


def _detect(app, day: date, as_json: bool) -> None:
    sessions = app.extensions["sessionmaker"]
    engine = app.extensions["engine"]

    def waiting() -> None:
        click.echo("Another detection pass is running; waiting for it to finish.", err=True)

    if sys.stdout.isatty():
        with click.progressbar(length=_patient_count(sessions), label="Detecting") as bar:
            result = run_manual(
                sessions, engine, day, load_rules(), on_wait=waiting, progress=bar.update
            )
    else:
        result = run_manual(sessions, engine, day, load_rules(), on_wait=waiting)
    summary = result.summary or Summary()
    click.echo(_describe(day, summary))
    if summary.failed:
        click.echo(
            f"{summary.failed} patient(s) could not be assessed; their ids are in the log.",
            err=True,
        )
    if as_json:
        click.echo(json.dumps(summary.to_json()))
    if summary.failed:
        sys.exit(1)


def _patient_count(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Patient)) or 0


def _describe(day: date, summary: Summary) -> str:
    return (
        f"Detection as of {day.isoformat()}: {summary.patients} patients read, "
        f"{summary.findings} findings; alerts {summary.opened} opened, "
        f"{summary.updated} updated, {summary.unchanged} unchanged; "
        f"{summary.reprompted} re-prompts queued."
    )


# One dispatch or reminder pass by hand, as if at a given local time (the notifications issue).
jobs_cli.add_command(dispatch_command)
jobs_cli.add_command(remind_command)
