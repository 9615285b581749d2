"""Sending: one claimed message to its provider (or a look-up there), on a worker thread.

Workers only talk to providers, each send at the moment its dispatcher booked for it (the
service's send rate, `tracker.notify.sendrate`); they never touch the database. Whatever goes
wrong comes back as a `Result`, never as an exception.

Twilio's message creation is not idempotent. A send whose answer never came (a read timeout, a
dropped connection), and an SMS whose lease expired mid-send, are `unknown`: the next claim
asks Twilio for recent messages to that number (a reconciliation) and resends only if Twilio
has none. SMTP cannot be asked, so email is resent; its Message-ID is the same on every attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tracker.config import Settings
from tracker.notify.channels import Channel, Outgoing, Receipt, SendError
from tracker.notify.dispatch.claims import Job
from tracker.notify.models import EMAIL, SMS

log = logging.getLogger(__name__)


@dataclass
class Result:
    """What a worker came back with: a receipt, or an error; `looked_up` if it only asked."""

    job: Job
    finished_at: datetime
    receipt: Receipt | None = None
    error: SendError | None = None
    looked_up: bool = False


def status_callback_url(cfg: Settings, message_id: int) -> str:
    """Where Twilio reports on a text: our id rides along, so a send whose answer was lost can
    still be matched (the signature covers the whole URL, query included)."""
    return f"{cfg.web.public_url}/twilio/status?m={message_id}"


def outgoing(job: Job, cfg: Settings) -> Outgoing:
    """The message as a channel takes it."""
    domain = cfg.notify.mail_from.rsplit("@", 1)[-1] or "localhost"
    return Outgoing(
        id=job.id,
        channel=job.channel,
        to=job.to,
        subject=job.subject,
        text=job.text,
        html=job.html,
        status_callback=status_callback_url(cfg, job.id) if job.channel == SMS else None,
        message_id=f"<outbox.{job.id}@{domain}>" if job.channel == EMAIL else None,
    )


def work(
    job: Job,
    channels: dict[str, Channel],
    start_at: float,
    cfg: Settings,
    clock: Callable[[], datetime],
) -> Result:
    """Send (or look up) one message, not before `start_at` (a `time.monotonic()` moment: its
    booked slot). Runs on a worker thread: no database here."""
    channel = channels[job.channel]
    message = outgoing(job, cfg)
    if job.reconcile:
        since = job.attempt_started_at or job.created_at
        try:
            receipt = channel.lookup(message, since)
        except SendError as exc:
            return Result(job, clock(), error=exc, looked_up=True)
        except Exception as exc:  # a bug in a channel: a failed look-up, asked again later
            return unexpected(job, exc, "looking up", clock())
        return Result(job, clock(), receipt=receipt, looked_up=True)
    pause = start_at - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    try:
        return Result(job, clock(), receipt=channel.send(message))
    except SendError as exc:
        return Result(job, clock(), error=exc)
    except Exception as exc:  # a bug in a channel: recorded like any failure, never lost
        return unexpected(job, exc, "sending", clock())


def unexpected(job: Job, exc: BaseException, doing: str, now: datetime) -> Result:
    """A transient failure for an exception that should never have got this far (logged by
    type, never by message: a message can quote an address)."""
    log.error("message %s: unexpected %s while %s", job.id, type(exc).__name__, doing)
    # A text may have gone before the bug struck: look it up before any resend.
    error = SendError(f"bug_{type(exc).__name__}", permanent=False, ambiguous=job.channel == SMS)
    return Result(job, now, error=error, looked_up=job.reconcile)
