"""Real peers for the messaging tests: an SMTP server (aiosmtpd) and a Twilio stand-in, both on
loopback, and the app served over real HTTP so that the stand-in's callbacks reach it."""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.conftest import make_patient, reconfigure
from tests.notify import standin
from tracker import clock as tracker_clock
from tracker.alerts.models import Prompt
from tracker.alerts.services import apply_findings
from tracker.patients.models import ContactPreference
from tracker.rules.engine import Finding


@dataclass
class Inbox:
    """aiosmtpd's handler: keeps what it receives; can refuse recipients or data."""

    received: list = field(default_factory=list)
    rcpt_reply: str | None = None  # e.g. "550 5.1.1 No such user"
    data_reply: str | None = None  # e.g. "451 4.3.0 Try again later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [e for e in self.received if address in e.rcpt_tos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Smtp:
    """An SMTP server on 127.0.0.1 that can be taken down and brought back on the same port."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    """A real SMTP server on loopback (its own chatter, which quotes addresses, kept quiet)."""
    peer_log = logging.getLogger("mail.log")
    was = peer_log.disabled
    peer_log.disabled = True
    server = Smtp()
    server.up()
    yield server
    server.down()
    peer_log.disabled = was


@pytest.fixture
def twilio(app):
    """The Twilio stand-in on loopback, stamping messages by the app's clock, which starts at
    MORNING: texts that arrive before the first dispatch pass arrive then."""
    clock = tracker_clock.of(app)
    clock.set(MORNING)
    server = standin.Server().start()
    server.state.clock = clock.now
    yield server.state
    server.stop()


@pytest.fixture
def live(app):
    """The app served over real HTTP on loopback, its PUBLIC_URL set to that address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    reconfigure(app, web={"public_url": url})
    yield url
    server.shutdown()
    thread.join(timeout=5)


def use_twilio(app, base_url: str, timeout: float = 5.0) -> None:
    """Point the app's SMS channel at the stand-in, through the real twilio library."""
    reconfigure(
        app,
        notify={
            "twilio_account_sid": standin.ACCOUNT_SID,
            "twilio_auth_token": standin.AUTH_TOKEN,
            "twilio_from": standin.FROM_NUMBER,
            "twilio_api_base_url": base_url,
            "send_timeout": timeout,
        },
    )


def use_smtp(app, port: int, starttls: bool = False) -> None:
    reconfigure(
        app,
        notify={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_starttls": starttls,
            "mail_from": "diary@example.test",
        },
    )


@pytest.fixture
def peers(app, twilio, smtp, live):
    """Twilio stand-in, SMTP server and the live app, all wired together."""
    use_twilio(app, twilio.base_url)
    use_smtp(app, smtp.port)
    return Peers(app, twilio, smtp, live)


@dataclass
class Peers:
    app: object
    twilio: standin.StandIn
    smtp: Smtp
    url: str


# ---- data ------------------------------------------------------------------------------------

MOBILE = "+447700900123"
EMAIL = "alex.patient@example.test"
# A weekday morning in London, outside quiet hours.
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def add_patient(
    session, *, sms=True, email=True, mobile=MOBILE, address=EMAIL, team=None, reminders=None, **kw
):
    """A patient taking prompts by the channels asked for, and reminders by the same ones
    unless `reminders` says otherwise (a set of channels): since rules v2 they are separate."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    patient = make_patient(
        session,
        team,
        email=address,
        mobile=mobile,
        sms_consent_at=now if sms else None,
        email_consent_at=now if email else None,
        **kw,
    )
    if reminders is None:
        reminders = {c for c, on in (("sms", sms), ("email", email)) if on}
    session.add(
        ContactPreference(
            patient_id=patient.id,
            remind_by_sms="sms" in reminders,
            remind_by_email="email" in reminders,
        )
    )
    session.commit()
    return patient


def add_prompt(session, patient_id: int, urgency: str = "soon", code: str = "cough", at=None):
    """An open alert and its prompt, as detection would write them (due at `at`)."""
    at = at or MORNING
    start = date(2026, 11, 1)
    finding = Finding(code, urgency, ("new",), start, at.date(), 20, "test", start)
    outcome = apply_findings(session, patient_id, [finding], now=at)
    session.commit()
    [queued] = outcome.prompts
    return session.scalars(select(Prompt).where(Prompt.alert_id == queued.alert_id)).one()


def later(minutes: float) -> datetime:
    return MORNING + timedelta(minutes=minutes)


def dispatch(app, now, **kwargs):
    """One dispatch pass as if at `now`. The app's clock stays there afterwards, so webhooks
    that follow, and the Twilio stand-in, see the same time."""
    from tracker.notify.dispatch import dispatch_due

    tracker_clock.of(app).set(now)
    with app.app_context():
        return dispatch_due(**kwargs)


def outbox(session, **where):
    """The outbox's rows (fresh from the database), oldest first."""
    from sqlalchemy import select

    from tracker.notify.models import OutboxMessage

    session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(session.scalars(query))
