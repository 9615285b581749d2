"""Numbers that may not be texted: opt-outs (STOP, Twilio's 21610) and numbers Twilio refuses.

The caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tracker.db import insert_on_conflict
from tracker.notify.models import SmsOptOut
from tracker.notify.outbox import opted_out
from tracker.patients.preferences import refuse_number

TWILIO_UNSUBSCRIBED = "twilio_21610"
# Twilio codes that mean: never text this number again until the patient changes it. Refused
# when a send is answered 21211 (not a valid number) or 21614 (not a mobile); reported by a
# status callback 30003 (unreachable handset) or 30005 (unknown handset).
REFUSED_NUMBER_CODES = ("twilio_21211", "twilio_21614", "twilio_30003", "twilio_30005")


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
        set_opt_out(s, number, True, TWILIO_UNSUBSCRIBED, now)
    elif code in REFUSED_NUMBER_CODES and patient_id is not None:
        refuse_number(s, patient_id, number, code.removeprefix("twilio_"), now)
