"""The reminder job (every 15 minutes): thin, it opens an app context and calls the use case."""

from __future__ import annotations

from flask import Flask

from tracker.patients.reminders import ReminderSummary, send_reminders


def run(app: Flask) -> ReminderSummary:
    """One reminder pass: queues what is due; idempotent, so running it often costs nothing."""
    with app.app_context():
        return send_reminders()
