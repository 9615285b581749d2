"""Numbers that may not be texted: opt-outs (STOP, Twilio's 21610) and numbers Twilio refuses.

A STOP at the carrier is an opt-out of every text from our number, prompts included. The number
is opted out, and each patient with it has texts recorded as off for both consents (prompts and
reminders), so their settings page and their team see the truth rather than "texts on" that
never go. START gives back what that STOP took, consent by consent, and nothing more.

The caller commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import insert_on_conflict
from tracker.notify.models import SMS, SmsOptOut
from tracker.notify.outbox import opted_out
from tracker.patients.models import MESSAGES, PROMPTS, REMINDERS, RULES_V2, ConsentChange, Patient
from tracker.patients.preferences import (
    START_TEXT,
    STOP_TEXT,
    preference,
    refuse_number,
    set_consent,
    set_reminder_channel,
)

TWILIO_UNSUBSCRIBED = "twilio_21610"
# Twilio codes that mean: never text this number again until the patient changes it. Refused
# when a send is answered 21211 (not a valid number) or 21614 (not a mobile); reported by a
# status callback 30003 (unreachable handset) or 30005 (unknown handset).
REFUSED_NUMBER_CODES = ("twilio_21211", "twilio_21614", "twilio_30003", "twilio_30005")
log = logging.getLogger(__name__)

# How a patient's texts were stopped at the carrier: START undoes only these.
STOPPED = (STOP_TEXT, TWILIO_UNSUBSCRIBED)


def set_opt_out(s: Session, number: str, opted_out: bool, source: str, now: datetime) -> None:
    """Record that a number opted out of texts (STOP, 21610) or back in (START)."""
    statement = insert_on_conflict(s)(SmsOptOut).values(
        number=number, opted_out=opted_out, source=source, changed_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["number"],
        set_={"opted_out": opted_out, "source": source, "changed_at": now},
    )
    s.execute(statement)


def is_opted_out(s: Session, number: str | None) -> bool:
    """Whether this number (if any) opted out of texts."""
    return bool(number) and opted_out(s, number)


def after_refusal(
    s: Session, patient_id: int | None, number: str, code: str | None, now: datetime
) -> None:
    """Twilio refused a text for good (a send's answer, or a status callback): an unsubscribed
    number is opted out, a number that cannot take texts is refused for its patient."""
    if code == TWILIO_UNSUBSCRIBED:  # the number replied STOP at Twilio's end
        stop_texts(s, number, _holders(s, number), TWILIO_UNSUBSCRIBED, now)
    elif code in REFUSED_NUMBER_CODES and patient_id is not None:
        refuse_number(s, patient_id, number, code.removeprefix("twilio_"), now)


def _holders(s: Session, number: str) -> list[Patient]:
    return list(s.scalars(select(Patient).where(Patient.mobile == number).order_by(Patient.id)))


def stop_texts(s: Session, number: str, patients: list[Patient], how: str, now: datetime) -> None:
    """The number said STOP (`how`: "keyword", or Twilio's 21610): no texts, both consents off."""
    set_opt_out(s, number, True, how, now)
    source = STOP_TEXT if how == "keyword" else how
    for patient in patients:
        set_consent(s, patient, SMS, False, source, now)
        set_reminder_channel(s, preference(s, patient.id), SMS, False, source, now)
    # Texts already queued are cancelled when a dispatcher claims them (and, for a prompt,
    # its other channel is tried then): the opt-out is checked at send time.
    log.info("a number opted out of texts")


def start_texts(s: Session, number: str, patients: list[Patient], now: datetime) -> None:
    """The number said START: texts again, and each consent back on only if a STOP took it."""
    set_opt_out(s, number, False, "start", now)
    for patient in patients:
        if _last_source(s, patient.id, PROMPTS) in STOPPED:
            set_consent(s, patient, SMS, True, START_TEXT, now)
        if _last_source(s, patient.id, REMINDERS) in STOPPED:
            set_reminder_channel(s, preference(s, patient.id), SMS, True, START_TEXT, now)
    log.info("a number opted back in to texts")


def _last_source(s: Session, patient_id: int, scope: str) -> str | None:
    """How the patient's own last change to texts for `scope` came about.

    A version 1 STOP (scope "messages") stopped prompts, so it counts for prompts; it never
    counts for reminders, which it did not record (START then leaves reminders by text off).
    The migration's carried-over records are the service's, not the patient's: skipped.
    """
    scopes = (MESSAGES, PROMPTS) if scope == PROMPTS else (scope,)
    return s.scalar(
        select(ConsentChange.source)
        .where(
            ConsentChange.patient_id == patient_id,
            ConsentChange.channel == SMS,
            ConsentChange.scope.in_(scopes),
            ConsentChange.source != RULES_V2,
        )
        .order_by(ConsentChange.at.desc(), ConsentChange.id.desc())
        .limit(1)
    )
