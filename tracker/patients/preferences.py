"""A patient's say over messages: prompts and reminders per channel, a number that takes no texts.

Two separate consents per channel (rules §4 and §4a):

- **Prompts** (the tracker telling the patient to contact their team) are part of the service:
  on for every channel the patient has given unless they turned it off on purpose, on a page
  that says what they will miss. Stored as `Patient.email_consent_at` / `sms_consent_at`
  (when prompts by that channel were last switched on; None: off).
- **Reminders** (to update the diary) are the patient's choice: `ContactPreference.remind_by_*`,
  off unless chosen.

Opt-outs belong to a number, not a patient: `tracker.notify.optouts`.

Every change to consent is written with what changed, when and how (`ConsentChange`), in the
same transaction as the change itself. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tracker.notify.models import EMAIL, SMS
from tracker.patients.models import (
    CADENCES,
    DEFAULT_CADENCE,
    DEFAULT_REMINDER_TIME,
    DEFAULT_WEEKDAY,
    PROMPTS,
    REMINDERS,
    ConsentChange,
    ContactPreference,
    Patient,
)

SETTINGS_PAGE = "settings"
SIGN_UP = "sign_up"
STOP_TEXT = "sms_stop"
START_TEXT = "sms_start"
CHANNELS = (EMAIL, SMS)

# Reminder times on offer: whole hours outside quiet hours (rules §4: 21:00 to 08:00).
REMINDER_TIMES = tuple(f"{h:02d}:00" for h in range(8, 21))


def preference(s: Session, patient_id: int) -> ContactPreference:
    """The patient's preferences row, created with the defaults if they have none yet.

    The default has no reminders: they are the patient's choice (rules §4a).
    """
    pref = s.get(ContactPreference, patient_id)
    if pref is None:
        pref = ContactPreference(
            patient_id=patient_id,
            reminder_cadence=DEFAULT_CADENCE,
            reminder_weekday=DEFAULT_WEEKDAY,
            reminder_time=DEFAULT_REMINDER_TIME,
            remind_by_sms=False,
            remind_by_email=False,
        )
        s.add(pref)
        s.flush()
    return pref


def _record(
    s: Session, patient_id: int, channel: str, scope: str, given: bool, source: str, now: datetime
) -> None:
    s.add(
        ConsentChange(
            patient_id=patient_id, channel=channel, scope=scope, given=given, source=source, at=now
        )
    )


def set_consent(
    s: Session, patient: Patient, channel: str, given: bool, source: str, now: datetime
) -> bool:
    """Switch prompts by one channel on or off; True if it changed (and the change is recorded)."""
    attribute = "sms_consent_at" if channel == SMS else "email_consent_at"
    had = getattr(patient, attribute) is not None
    if had == given:
        return False
    setattr(patient, attribute, now if given else None)
    _record(s, patient.id, channel, PROMPTS, given, source, now)
    return True


def set_reminder_channel(
    s: Session, pref: ContactPreference, channel: str, on: bool, source: str, now: datetime
) -> bool:
    """Switch reminders on one channel on or off; True if it changed (and is recorded)."""
    attribute = "remind_by_sms" if channel == SMS else "remind_by_email"
    if getattr(pref, attribute) == on:
        return False
    setattr(pref, attribute, on)
    _record(s, pref.patient_id, channel, REMINDERS, on, source, now)
    return True


def start_consents(
    s: Session, patient: Patient, remind_by_email: bool, remind_by_sms: bool, now: datetime
) -> None:
    """A new account's consents: prompts by every channel, reminders as chosen; all recorded."""
    for channel in CHANNELS:
        set_consent(s, patient, channel, True, SIGN_UP, now)
    pref = preference(s, patient.id)
    set_reminder_channel(s, pref, EMAIL, remind_by_email, SIGN_UP, now)
    set_reminder_channel(s, pref, SMS, remind_by_sms, SIGN_UP, now)
    pref.updated_at = now


def refuse_number(s: Session, patient_id: int, number: str, code: str, now: datetime) -> None:
    """Twilio said this number can never take texts: stop texting it until it changes."""
    pref = preference(s, patient_id)
    pref.sms_refused_number = number
    pref.sms_refused_code = code[:12]
    pref.updated_at = now


@dataclass(frozen=True)
class Choices:
    """What the contact preferences form asks: prompts and reminders per channel, and when."""

    prompt_by_email: bool
    prompt_by_sms: bool
    remind_by_email: bool
    remind_by_sms: bool
    cadence: str
    weekday: int
    time: str
    paused: bool


def current_choices(s: Session, patient: Patient) -> Choices:
    pref = s.get(ContactPreference, patient.id)
    return Choices(
        prompt_by_email=patient.email_consent_at is not None,
        prompt_by_sms=patient.sms_consent_at is not None,
        remind_by_email=bool(pref and pref.remind_by_email),
        remind_by_sms=bool(pref and pref.remind_by_sms),
        cadence=pref.reminder_cadence if pref else DEFAULT_CADENCE,
        weekday=pref.reminder_weekday if pref else DEFAULT_WEEKDAY,
        time=pref.reminder_time if pref else DEFAULT_REMINDER_TIME,
        paused=bool(pref and pref.reminders_paused_at),
    )


def prompts_turned_off(before: Choices, after: Choices) -> tuple[str, ...]:
    """The channels `after` turns prompts off on: each needs the patient to confirm it."""
    return tuple(
        channel
        for channel, was, now in (
            (EMAIL, before.prompt_by_email, after.prompt_by_email),
            (SMS, before.prompt_by_sms, after.prompt_by_sms),
        )
        if was and not now
    )


def save_choices(s: Session, patient: Patient, choices: Choices, now: datetime) -> None:
    """Apply the form: prompts per channel, reminders per channel, cadence and pause."""
    if choices.cadence not in CADENCES or choices.time not in REMINDER_TIMES:
        raise ValueError("not a cadence or time on offer")
    set_consent(s, patient, EMAIL, choices.prompt_by_email, SETTINGS_PAGE, now)
    set_consent(s, patient, SMS, choices.prompt_by_sms, SETTINGS_PAGE, now)
    pref = preference(s, patient.id)
    set_reminder_channel(s, pref, EMAIL, choices.remind_by_email, SETTINGS_PAGE, now)
    set_reminder_channel(s, pref, SMS, choices.remind_by_sms, SETTINGS_PAGE, now)
    pref.reminder_cadence = choices.cadence
    pref.reminder_weekday = choices.weekday
    pref.reminder_time = choices.time
    if choices.paused and pref.reminders_paused_at is None:
        pref.reminders_paused_at = now
    elif not choices.paused:
        pref.reminders_paused_at = None
    pref.updated_at = now
