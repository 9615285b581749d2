"""`jobs remind`: one reminder pass by hand (`flask --app wsgi jobs remind [--now …]`)."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import with_appcontext

from tracker import clock
from tracker.notify.cli import JSON, NOW, as_utc
from tracker.patients.reminders import send_reminders


@click.command("remind")
@NOW
@JSON
@with_appcontext
def remind_command(now: datetime | None, as_json: bool) -> None:
    """One reminder pass: queue the reminders that are due (sent by the next dispatch pass)."""
    with clock.current().set_for(as_utc(now)):
        summary = send_reminders()
    click.echo(
        f"Reminders: {summary.due} due, {summary.queued} messages queued, "
        f"{summary.check_ins} with a check-in, {summary.paused} paused, "
        f"{summary.unreachable} with no channel for reminders."
    )
    if as_json:
        click.echo(json.dumps(summary.to_json()))
