"""The channels: one module per transport behind one small interface, and one error type.

A channel's `send` either returns a `Receipt` (the provider took the message) or raises
`SendError`, whose `permanent` flag is the only thing the dispatcher needs to decide what next:
retry later (transient), give the channel up and fall back (permanent), or, when `ambiguous`,
find out whether the message went before doing anything else (a timeout after the request
was sent). Codes are short and carry no data: they are stored and logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tracker.config import Settings
from tracker.notify.models import EMAIL, SMS


class SendError(Exception):
    """A send that did not (or may not have) happened. `code` is stored; never the address."""

    def __init__(self, code: str, *, permanent: bool, ambiguous: bool = False) -> None:
        super().__init__(code)
        self.code = code[:40]
        self.permanent = permanent
        # True when the provider may have the message anyway: reconcile, never just resend.
        self.ambiguous = ambiguous

    def __repr__(self) -> str:
        return f"SendError({self.code!r}, permanent={self.permanent}, ambiguous={self.ambiguous})"


@dataclass(frozen=True)
class Outgoing:
    """One message as a channel needs it: plain values, safe to hand to a worker thread."""

    id: int
    channel: str
    to: str
    subject: str | None
    text: str
    html: str | None
    # SMS: where Twilio reports delivery; carries our message id so that even a send whose
    # answer was lost can be matched.
    status_callback: str | None = None
    # Email: a Message-ID that is the same on every attempt, so a repeat can be recognised.
    message_id: str | None = None


@dataclass(frozen=True)
class Receipt:
    """The provider took the message."""

    transport: str
    provider_id: str | None
    provider_status: str | None = None


class Channel(Protocol):
    transport: str

    def send(self, message: Outgoing) -> Receipt: ...

    def lookup(self, message: Outgoing, since: datetime) -> Receipt | None:
        """The provider's record of this message sent after `since`, or None if it has none."""
        ...


def _sms(settings: Settings) -> Channel:
    if settings.notify.twilio_configured:
        from tracker.notify.channels.sms import TwilioSms

        return TwilioSms(settings.notify)
    from tracker.notify.channels.console import Console

    return Console(settings, SMS)


def _email(settings: Settings) -> Channel:
    if settings.notify.smtp_configured:
        from tracker.notify.channels.email import SmtpEmail

        return SmtpEmail(settings.notify)
    from tracker.notify.channels.console import Console

    return Console(settings, EMAIL)


# The registry: one factory per channel, choosing its transport from the settings.
REGISTRY: dict[str, Callable[[Settings], Channel]] = {SMS: _sms, EMAIL: _email}


def channels_for(settings: Settings) -> dict[str, Channel]:
    """A channel per medium for these settings (Twilio and SMTP when configured, else console)."""
    return {name: factory(settings) for name, factory in REGISTRY.items()}
