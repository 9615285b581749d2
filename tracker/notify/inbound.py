"""What Twilio tells us: delivery reports on our texts, and texts patients send us.

Both are use cases on a session; the caller (tracker.notify.webhooks) checks the signature
first and commits after. Both are idempotent: a receipt row, unique per callback, is written in
the same transaction as the change, so a callback delivered twice changes things once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from tracker.alerts import services as alert_services
from tracker.config import Settings
from tracker.contact_requests import services as contact_requests
from tracker.contact_requests.wording import message_words
from tracker.db import insert_on_conflict
from tracker.forms import parse_id
from tracker.notify import messages
from tracker.notify.models import (
    ALIVE,
    CANCELLED,
    DELIVERED,
    EMAIL,
    FAILED,
    PROMPT,
    QUEUED,
    REPLY,
    SENDING,
    SENT,
    SMS,
    UNKNOWN,
    InboundSms,
    OutboxMessage,
    WebhookReceipt,
)
from tracker.notify.optouts import after_refusal, start_texts, stop_texts
from tracker.notify.outbox import (
    fall_back,
    is_monitored,
    mark_prompt_sent,
    queue,
    settle_reminder,
)
from tracker.notify.outbox import settle_prompt as settle
from tracker.notify.queueing import queue_contact_request
from tracker.patients.models import Patient

log = logging.getLogger(__name__)

OM = OutboxMessage

# ---- delivery reports ------------------------------------------------------------------------

# Twilio's message statuses, in the order they can happen. A report only ever moves a message
# forward: a late "sent" after "delivered" changes nothing. The final statuses share a rank,
# so none of them replaces another.
_RANK = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "read": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
}
_DELIVERED = ("delivered", "read")
_FAILED = ("undelivered", "failed", "canceled")

UNKNOWN_MESSAGE = "unknown_message"
DUPLICATE = "duplicate"
NO_CHANGE = "no_change"
CHANGED = "changed"


def _receipt(s: Session, source: str, key: str, now: datetime) -> bool:
    """Write the receipt for a webhook; False if it was already acted on."""
    statement = (
        insert_on_conflict(s)(WebhookReceipt)
        .values(source=source, key=key[:160], received_at=now)
        .on_conflict_do_nothing(index_elements=["source", "key"])
        .returning(WebhookReceipt.id)
    )
    return s.execute(statement).scalar() is not None


def _find(s: Session, sid: str, our_id: str | None) -> OutboxMessage | None:
    found = s.scalar(select(OM).where(OM.provider_id == sid))
    message_id = parse_id(our_id)
    if found is not None or message_id is None:
        return found
    # The send's answer may have been lost (an unknown message): our id from the callback URL.
    candidate = s.get(OM, message_id)
    if candidate is not None and candidate.channel == SMS and candidate.provider_id in (None, sid):
        return candidate
    return None


def apply_status(
    s: Session, sid: str, status: str, error_code: str | None, our_id: str | None, now: datetime
) -> str:
    """A delivery report for text `sid`: move its message forward, falling back on failure."""
    status = (status or "").lower()
    if not sid or status not in _RANK:
        return NO_CHANGE
    if not _receipt(s, "status", f"{sid}:{status}:{error_code or ''}", now):
        return DUPLICATE
    message = _find(s, sid, our_id)
    if message is None:
        log.info("delivery report for a message we do not have (%s)", status)
        return UNKNOWN_MESSAGE
    if message.status == CANCELLED:
        return NO_CHANGE
    if _RANK[status] <= _RANK.get(message.provider_status or "", 0) and message.status not in (
        UNKNOWN,
        QUEUED,
    ):
        return NO_CHANGE
    message.provider_id = message.provider_id or sid
    message.provider_status = status
    message.updated_at = now
    if status in _FAILED:
        _failed(s, message, error_code, now)
    elif status in _DELIVERED:
        _reached(s, message, DELIVERED, now)
    elif message.status in (UNKNOWN, QUEUED):
        # Twilio has it: an unknown send is settled, and must not be sent again.
        _reached(s, message, SENT, now)
    return CHANGED


def _reached(s: Session, message: OutboxMessage, status: str, now: datetime) -> None:
    if message.status == FAILED:
        return  # final: a report cannot revive it (and its fallback may already have gone)
    if message.status == SENDING:
        # The dispatcher's write-back is still to come and will mark it sent; a delivery is
        # news it cannot have, so that is recorded now (the write-back keeps it).
        if status == DELIVERED:
            message.status = DELIVERED
    elif not (message.status == DELIVERED and status == SENT):
        message.status = status
    if status == DELIVERED:
        message.delivered_at = now
    message.sent_at = message.sent_at or now
    if message.kind == PROMPT:
        mark_prompt_sent(s, message.prompt_id, now)


def _failed(s: Session, message: OutboxMessage, error_code: str | None, now: datetime) -> None:
    if message.status in (FAILED, DELIVERED):
        return
    code = f"twilio_{error_code}" if error_code else "undelivered"
    message.status = FAILED
    message.failed_at = now
    message.last_error_code = code[:40]
    message.last_error = "the provider could not deliver it"
    log.warning("message %s: delivery failed (%s)", message.id, code)
    # As when a send is refused: texts stop until the patient's number is another one.
    after_refusal(s, message.patient_id, message.to_address, code, now)
    s.flush()
    fall_back(s, message, now)
    if message.kind == PROMPT:
        settle(s, message.prompt_id, now)
    else:
        settle_reminder(s, message, now)


# ---- texts from patients --------------------------------------------------------------------

STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP"})
DONE_WORDS = frozenset({"DONE", "CALLED"})
CALL_WORDS = frozenset({"CALL", "CALLME"})  # "ask your team to contact you" (issue 21)

STOP, START, HELP, DONE, CALL = "stop", "start", "help", "done", "call"
OTHER, IGNORED = "other", "ignored"

# Texts that are themselves automatic: answering one can start a loop between two robots.
_AUTO_REPLY = re.compile(
    r"auto[- ]?(matic )?repl|out of (the )?office|away from (my|the) (phone|desk)"
    r"|do not reply|don't reply|this (is an|number is) (automated|not monitored)|autoresponder",
    re.IGNORECASE,
)
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
REPLY_WINDOW = timedelta(hours=1)


def keyword(body: str | None) -> str:
    """Which keyword a text is: any case, spaces or punctuation around it ("Stop.", " stop ")."""
    words = re.findall(r"[A-Za-z]+", body or "")
    letters = "".join(words).upper()
    if len(words) > 2 or not letters:  # a sentence is not a keyword ("OPT OUT" is two words)
        return OTHER
    if letters in STOP_WORDS:
        return STOP
    if letters in START_WORDS:
        return START
    if letters in HELP_WORDS:
        return HELP
    if letters in DONE_WORDS:
        return DONE
    if letters in CALL_WORDS:
        return CALL
    return OTHER


@dataclass(frozen=True)
class Inbound:
    """What a text did: its keyword, and the reply queued (or None)."""

    keyword: str
    reply_id: int | None = None


def receive(
    s: Session, cfg: Settings, sid: str, sender: str, body: str | None, now: datetime
) -> Inbound:
    """A text to our number: opt-outs, acknowledgements, and at most one reply."""
    if not sid:
        return Inbound(IGNORED)
    own = {n for n in (cfg.notify.twilio_from,) if n}
    if sender in own or not _E164.match(sender or ""):
        # Our own number (a loop), or a short code or named sender (a robot): never answered.
        return _record(s, sid, None, IGNORED, now) or Inbound(IGNORED)
    patients = list(s.scalars(select(Patient).where(Patient.mobile == sender).order_by(Patient.id)))
    patient = patients[0] if len(patients) == 1 else None
    word = IGNORED if _AUTO_REPLY.search(body or "") else keyword(body)
    recorded = _record(s, sid, patient.id if patient else None, word, now)
    if recorded is not None:
        return recorded  # this text was handled already
    reply, context = None, {}
    if word == STOP:
        stop_texts(s, sender, patients, "keyword", now)
    elif word == START:
        start_texts(s, sender, patients, now)
        reply = "start"
    elif word == HELP:
        reply = "help"
    elif word == DONE and patient is not None:
        _acknowledge_all(s, patient, now)
        reply = "done"
    elif word == CALL and patient is not None and is_monitored(patient):
        context = _ask_to_be_called(s, patient, sid, now)
        reply = "call"
    elif word in (DONE, CALL, OTHER):
        reply = "other"
    reply_id = None
    if reply and patients:
        reply_id = _reply(s, patients[0], sender, sid, reply, now, context)
    return Inbound(word, reply_id)


def _ask_to_be_called(s: Session, patient: Patient, sid: str, now: datetime) -> dict:
    """CALL: a request about the patient's open alerts (or the one already open), confirmed by
    the reply and, if it is new, by email too. The reply's words: when to expect contact."""
    row, new = contact_requests.by_text(s, patient, sid, now)
    words = message_words(row)
    if new:
        queue_contact_request(s, patient, row.id, "received", words, now, channels=(EMAIL,))
    return {**words, "variant": "received"}


def _record(
    s: Session, sid: str, patient_id: int | None, word: str, now: datetime
) -> Inbound | None:
    """Keep the text's keyword (never its words or number); an Inbound if it was a repeat."""
    statement = (
        insert_on_conflict(s)(InboundSms)
        .values(provider_id=sid[:64], patient_id=patient_id, keyword=word, received_at=now)
        .on_conflict_do_nothing(index_elements=["provider_id"])
        .returning(InboundSms.id)
    )
    if s.execute(statement).scalar() is None:
        return Inbound(DUPLICATE)
    return None


def _acknowledge_all(s: Session, patient: Patient, now: datetime) -> None:
    for alert in alert_services.open_alerts(s, patient):
        alert_services.acknowledge(s, patient, alert.id, now)


def _reply(
    s: Session,
    patient: Patient,
    number: str,
    sid: str,
    which: str,
    now: datetime,
    context: dict | None = None,
) -> int | None:
    """Queue an automatic reply, unless one went to this number within the hour."""
    if not is_monitored(patient):
        return None
    recent = s.scalar(
        select(
            exists().where(
                OM.kind == REPLY,
                OM.to_address == number,
                OM.created_at > now - REPLY_WINDOW,
                # Only replies that went, or still will: one cancelled (the number opted out
                # before it was sent) must not hold back the next, such as START's.
                or_(OM.status.in_(ALIVE), OM.sent_at.is_not(None)),
            )
        )
    )
    if recent:
        return None
    return queue(
        s,
        group_key=f"reply:{sid}",
        kind=REPLY,
        channel=SMS,
        to=number,
        rendered=messages.reply(which, messages.Team.of(patient.team), context),
        now=now,
        patient_id=patient.id,
        variant=which,
        timezone=patient.timezone,
    )
