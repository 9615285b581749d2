"""The console channel: what `make run` uses when no Twilio or SMTP settings are given.

It prints each message to standard output for the developer (address and text: it is their
own machine and demo data) and says it was delivered; the development-only outbox page
(/dev/outbox) shows the same messages from the outbox. Never in production: there it refuses,
so that a service without providers shows failing messages instead of silently sending none.
"""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from typing import TextIO

from tracker.config import Settings
from tracker.notify.channels import Outgoing, Receipt, SendError
from tracker.notify.models import CONSOLE

_PRINT_LOCK = threading.Lock()  # whole messages, not lines of two interleaved


class Console:
    """Prints messages; keeps nothing itself (the outbox row is the record)."""

    transport = CONSOLE

    def __init__(self, settings: Settings, channel: str, stream: TextIO | None = None):
        self.settings = settings
        self.channel = channel
        self.stream = stream

    def send(self, message: Outgoing) -> Receipt:
        if self.settings.production:
            raise SendError("not_configured", permanent=False)
        lines = [f"----- {self.channel} message {message.id} to {message.to} -----"]
        if message.subject:
            lines.append(f"Subject: {message.subject}")
        lines += [message.text.rstrip(), "-----"]
        with _PRINT_LOCK:
            print("\n".join(lines), file=self.stream or sys.stdout, flush=True)
        return Receipt(CONSOLE, f"console-{message.id}", "delivered")

    def lookup(self, message: Outgoing, since: datetime) -> Receipt | None:
        return None
