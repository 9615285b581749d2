"""The reminder pass (rules §4a): "please update your diary", at each patient's cadence.

Run often (every 15 minutes is plenty): each run queues the reminders whose time has come
since the last, in the patient's own time zone. A reminder is keyed by patient and local date,
unique in the outbox, so running the pass twice, or two at once, queues it once. A slot missed
by more than `GRACE` (the jobs process was down all day) is skipped, not sent late.

Most patients keep the default time, so a service's reminders fall due together: each patient
has a fixed place in the hour after their time (`spread_due`), and the texts go out across the
hour instead of queueing at its first minute behind the send rate.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.diary import checkins
from tracker.notify import messages
from tracker.notify.models import REMINDER, OutboxMessage
from tracker.notify.outbox import is_monitored, opted_out_numbers, queue, reach_from
from tracker.notify.quiet import parse_hhmm, zone
from tracker.patients.models import (
    DAILY,
    DEFAULT_CADENCE,
    DEFAULT_REMINDER_TIME,
    DEFAULT_WEEKDAY,
    FORTNIGHTLY,
    ContactPreference,
    Patient,
)
from tracker.rules import load_rules

log = logging.getLogger(__name__)

GRACE = timedelta(hours=12)
BATCH = 500
# Fortnightly reminders fall on weeks an even number of weeks after this Monday.
FORTNIGHT_EPOCH = date(2024, 1, 1)
SPREAD = timedelta(hours=1)
# Knuth's multiplicative hash: patients with neighbouring ids land far apart in the hour.
_MIX = 2654435761


@dataclass
class ReminderSummary:
    """What one reminder pass did, in counts."""

    patients: int = 0
    due: int = 0
    queued: int = 0  # messages
    check_ins: int = 0  # reminders that carried a check-in question
    paused: int = 0
    unreachable: int = 0  # due, but no channel for reminders

    def to_json(self) -> dict:
        return asdict(self)


def latest_slot(now: datetime, timezone: str, cadence: str, weekday: int, at: time) -> datetime:
    """The latest reminder time at or before `now` for this cadence, in UTC."""
    tz = zone(timezone)
    today = now.astimezone(tz).date()

    def slot(day: date) -> datetime:
        return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)

    if cadence == DAILY:
        day = today if slot(today) <= now else today - timedelta(days=1)
        return slot(day)
    day = today - timedelta(days=(today.weekday() - weekday) % 7)
    if slot(day) > now:
        day -= timedelta(days=7)
    if cadence == FORTNIGHTLY and ((day - FORTNIGHT_EPOCH).days // 7) % 2:
        day -= timedelta(days=7)
    return slot(day)


def spread_due(slot: datetime, patient_id: int, tz: ZoneInfo, quiet_start: time) -> datetime:
    """When a patient's reminder for `slot` falls due: their own place in the hour after it,
    the hour cut short where quiet hours would begin."""
    local = slot.astimezone(tz)
    quiet = datetime.combine(local.date(), quiet_start, tzinfo=tz)
    window = min(SPREAD, quiet - local) if local < quiet else SPREAD
    seconds = int(window.total_seconds())
    if seconds <= 1:
        return slot
    return slot + timedelta(seconds=(patient_id * _MIX) % seconds)


def send_reminders(now: datetime | None = None) -> ReminderSummary:
    """One reminder pass over every patient, in the current app context; counts only."""
    now = now or clock.now()
    rules = load_rules()
    summary = ReminderSummary()
    after = 0
    with current_app.extensions["sessionmaker"]() as s:
        while True:
            batch = s.execute(
                select(Patient, ContactPreference)
                .outerjoin(ContactPreference, ContactPreference.patient_id == Patient.id)
                .where(Patient.id > after)
                .order_by(Patient.id)
                .limit(BATCH)
            ).all()
            if not batch:
                break
            opted = opted_out_numbers(s, [p.mobile for p, _ in batch])
            for patient, pref in batch:
                _remind(s, patient, pref, patient.mobile in opted, now, rules, summary)
            s.commit()
            after = batch[-1][0].id
    log.info(
        "reminders: %d due, %d messages queued, %d with a check-in",
        summary.due,
        summary.queued,
        summary.check_ins,
    )
    return summary


def _remind(
    s: Session,
    patient: Patient,
    pref: ContactPreference | None,
    number_opted_out: bool,
    now: datetime,
    rules,
    summary: ReminderSummary,
) -> None:
    summary.patients += 1
    if not is_monitored(patient):
        return
    cadence = pref.reminder_cadence if pref else DEFAULT_CADENCE
    weekday = pref.reminder_weekday if pref else DEFAULT_WEEKDAY
    at = parse_hhmm(pref.reminder_time if pref else DEFAULT_REMINDER_TIME)
    slot = latest_slot(now, patient.timezone, cadence, weekday, at)
    if now - slot > GRACE:
        return
    local_day = slot.astimezone(zone(patient.timezone)).date()
    group = f"reminder:{patient.id}:{local_day.isoformat()}"
    if s.scalar(select(exists().where(OutboxMessage.group_key == group))):
        return  # queued by an earlier pass
    summary.due += 1
    reach = reach_from(patient, pref, number_opted_out)
    if reach.reminders_paused:
        summary.paused += 1
        return
    targets = reach.for_purpose(REMINDER)
    if not targets:
        summary.unreachable += 1
        return
    today = now.astimezone(zone(patient.timezone)).date()
    asked = checkins.for_reminder(s, patient.id, today, rules, now)
    summary.check_ins += bool(asked)
    team = messages.Team.of(patient.team)
    due = spread_due(slot, patient.id, zone(patient.timezone), parse_hhmm(rules.quiet_start))
    for channel, address in targets:
        try:
            rendered = messages.reminder(channel, team, cadence, bool(asked))
        except messages.MessageTooLong:
            log.error("reminder for patient %s: no %s wording fits", patient.id, channel)
            continue
        queued = queue(
            s,
            group_key=group,
            kind=REMINDER,
            channel=channel,
            to=address,
            rendered=rendered,
            now=now,
            patient_id=patient.id,
            variant="check_in" if asked else None,
            due=max(due, now),
            timezone=patient.timezone,
        )
        summary.queued += queued is not None
