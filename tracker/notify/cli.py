"""Commands: `outbox` (what is queued and sent), and one `dispatch` pass by hand.

`dispatch_command` is meant for the `jobs` group
(`flask --app wsgi jobs dispatch [--now YYYY-MM-DDTHH:MM]`); `outbox_command` is top level.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import or_, select

from tracker import clock, config, db
from tracker.notify.dispatch import dispatch_due
from tracker.notify.models import QUEUED, SENDING, UNKNOWN, OutboxMessage

NOW_FORMAT = "%Y-%m-%dT%H:%M"


def as_utc(local: datetime | None) -> datetime | None:
    """A --now given in the service's local time (TRACKER_TIMEZONE), as an aware UTC datetime."""
    if local is None:
        return None
    return local.replace(tzinfo=config.current().timezone).astimezone(UTC)


NOW = click.option(
    "--now",
    type=click.DateTime(formats=[NOW_FORMAT]),
    default=None,
    help="Run as if at this local time, YYYY-MM-DDTHH:MM (quiet hours and due times included).",
)
JSON = click.option("--json", "as_json", is_flag=True, help="End with the counts as one JSON line.")


@click.command("dispatch")
@NOW
@JSON
@with_appcontext
def dispatch_command(now: datetime | None, as_json: bool) -> None:
    """One dispatch pass: turn due prompts into messages and send what is due."""
    # The whole pass runs as of --now: quiet hours, due times, and what it records.
    with clock.current().set_for(as_utc(now)):
        summary = dispatch_due()
    click.echo(
        f"Dispatch: {summary.prompts} prompts taken up, {summary.claimed} messages claimed; "
        f"{summary.sent} sent, {summary.retried} to retry, {summary.failed} failed, "
        f"{summary.unknown} unknown, {summary.held} held for quiet hours, "
        f"{summary.cancelled} cancelled, {summary.fallbacks} fallbacks, "
        f"{summary.undelivered} prompts and {summary.undelivered_reminders} reminders "
        "undelivered."
    )
    if as_json:
        click.echo(json.dumps(summary.to_json()))


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _row(m: OutboxMessage, bodies: bool) -> dict:
    row = {
        "id": m.id,
        "kind": m.kind,
        "channel": m.channel,
        "transport": m.transport,
        "status": m.status,
        "attempts": m.attempts,
        "due": _when(m.next_attempt_at),
        "last_error": m.last_error_code,
        "patient": m.patient_id,
        "prompt": m.prompt_id,
        "created": _when(m.created_at),
        "sent": _when(m.sent_at),
        "delivered": _when(m.delivered_at),
    }
    if bodies:
        row["subject"] = m.subject
        row["body"] = m.body_text
    return row


@click.command("outbox")
@JSON
@click.option(
    "--bodies",
    is_flag=True,
    help="Also print each message's text (personal: do not paste it anywhere).",
)
@click.option("--limit", default=50, show_default=True, help="How many sent or ended messages.")
@with_appcontext
def outbox_command(as_json: bool, bodies: bool, limit: int) -> None:
    """List messages waiting and the latest sent: status, channel, attempts, last error.

    Never the address; the text only with --bodies.
    """
    waiting = OutboxMessage.status.in_((QUEUED, SENDING, UNKNOWN))
    latest = select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(limit)
    rows = db.session().scalars(
        select(OutboxMessage)
        .where(or_(waiting, OutboxMessage.id.in_(latest.scalar_subquery())))
        .order_by(OutboxMessage.id)
    )
    data = [_row(m, bodies) for m in rows]
    if as_json:
        click.echo(json.dumps(data, indent=1))
        return
    if not data:
        click.echo("The outbox is empty.")
        return
    click.echo("id\tkind\tchannel\tstatus\tattempts\tdue\tlast error\tpatient")
    for row in data:
        click.echo(
            f"{row['id']}\t{row['kind']}\t{row['channel']}\t{row['status']}\t{row['attempts']}\t"
            f"{row['due']}\t{row['last_error'] or '-'}\t{row['patient'] or '-'}"
        )
        if bodies:
            if row["subject"]:
                click.echo(f"\tSubject: {row['subject']}")
            for line in row["body"].splitlines():
                click.echo(f"\t| {line}")
