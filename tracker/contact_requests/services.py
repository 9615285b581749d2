"""Making a request to be contacted, from the diary's form or a text saying CALL, and what the
patient reads of their requests. Each function adds to the session; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.services import open_alert_cards
from tracker.config import DEFAULT_TIMEZONE
from tracker.contact_requests import due
from tracker.contact_requests.models import (
    BY_EMAIL,
    BY_PHONE,
    CLOSED,
    GOOD_TIMES_MAX,
    OPEN,
    TEXT,
    WEB,
    WORDS_MAX,
    ContactRequest,
)
from tracker.diary import services as diary
from tracker.diary.summary import RECENT_DAYS, tracked_symptoms
from tracker.formatting import entry_label
from tracker.forms import Errors
from tracker.patients.contact import ContactError, display_mobile, normalise_phone
from tracker.patients.models import Patient
from tracker.rules.urgency import Urgency, rank

# How long the diary's home page shows what the team recorded, once a request is closed.
SHOWN_AFTER_CLOSING = timedelta(days=14)
# The reach choices on the form: the number on file, another number, or email.
ON_FILE = "phone_on_file"
OTHER = "phone_other"


class NotMonitored(ValueError):
    """The patient's monitoring is paused or ended: they are told whom to call instead."""


@dataclass(frozen=True)
class Choice:
    """One thing the patient may tick: an open alert or a recent symptom."""

    value: str  # "alert:12" or "symptom:<series>"
    label: str
    alert_id: int | None = None
    urgency: str | None = None  # an alert's


def most_urgent(ticked: list[Choice]) -> str:
    """Where a request stands in the team's queue: the most urgent alert ticked, else `soon`,
    the urgency of the team's response target."""
    alerts = [c.urgency for c in ticked if c.urgency]
    return max(alerts, key=rank, default=Urgency.SOON)


def choices(s: Session, patient: Patient, today: date) -> list[Choice]:
    """What the form offers to tick: open alerts first, then other symptoms of the last weeks."""
    offered = [
        Choice(f"alert:{card.id}", card.symptom, card.id, card.urgency)
        for card in open_alert_cards(s, patient)
    ]
    entries = diary.live_entries(s, patient, since=today - timedelta(days=RECENT_DAYS))
    named = {c.label for c in offered}
    for tracked in tracked_symptoms(entries, today):
        label = entry_label(tracked.last)
        if label not in named:
            offered.append(Choice(f"symptom:{tracked.series}", label))
            named.add(label)
    return offered


@dataclass
class RequestValues:
    """What was typed on the form, kept to show again."""

    about: list[str] = field(default_factory=list)
    words: str = ""
    reach: str = ""
    other_phone: str = ""
    good_times: str = ""
    form_key: str = ""


@dataclass(frozen=True)
class Asked:
    """A request as checked, ready to save."""

    ticked: list[Choice]
    words: str | None
    reach_by: str
    phone: str | None
    good_times: str | None
    form_key: str


def read_request(
    form: Mapping, offered: list[Choice], patient: Patient, errors: Errors
) -> tuple[RequestValues, Asked | None]:
    """The form as typed, and the request if it is right (else an error beside each field)."""
    values = RequestValues(
        about=list(form.getlist("about")),
        words=(form.get("words") or "").strip(),
        reach=form.get("reach") or "",
        other_phone=(form.get("other_phone") or "").strip(),
        good_times=(form.get("good_times") or "").strip(),
        form_key=(form.get("form_key") or "")[:64],
    )
    # A tick for an alert answered since the page was shown counts for nothing.
    ticked = [c for c in offered if c.value in values.about]
    if errors.check_text("words", values.words, "What you wrote", multiline=True):
        if len(values.words) > WORDS_MAX:
            errors.add("words", f"What you write must be {WORDS_MAX:,} characters or fewer")
        elif not ticked and not values.words:
            where = "about" if offered else "words"
            errors.add(where, nothing_said(bool(offered)))
    phone = _reach(values, patient, errors)
    if errors.check_text("good_times", values.good_times, "Good times") and (
        len(values.good_times) > GOOD_TIMES_MAX
    ):
        errors.add("good_times", f"Good times must be {GOOD_TIMES_MAX} characters or fewer")
    if not values.form_key:
        errors.add("words", "Something went wrong with the form. Send it again")
    if errors:
        return values, None
    by = BY_EMAIL if values.reach == BY_EMAIL else BY_PHONE
    return values, Asked(
        ticked, values.words or None, by, phone, values.good_times or None, values.form_key
    )


def nothing_said(offered: bool) -> str:
    """The error when nothing is ticked and nothing written."""
    if offered:
        return "Tick what you would like to talk about, or write it in your own words"
    return "Write what you would like to talk about"


def _reach(values: RequestValues, patient: Patient, errors: Errors) -> str | None:
    """The number to call, as people read it (None for email); an error if it will not do."""
    if values.reach == ON_FILE and patient.mobile:
        return display_mobile(patient.mobile)
    if values.reach == BY_EMAIL:
        return None
    if values.reach != OTHER:
        errors.add("reach", "Choose how your team should contact you")
        return None
    if not errors.check_text("other_phone", values.other_phone, "The phone number"):
        return None
    try:
        number = normalise_phone(values.other_phone)
    except ContactError as exc:
        errors.add("other_phone", str(exc))
        return None
    if number is None:
        errors.add("other_phone", "Enter the phone number your team should call")
    return number


def open_request(s: Session, patient: Patient) -> ContactRequest | None:
    """The patient's open request, if they have one (at most one is open at a time)."""
    return s.scalar(
        select(ContactRequest)
        .where(ContactRequest.patient_id == patient.id, ContactRequest.status == OPEN)
        .order_by(ContactRequest.id.desc())
        .limit(1)
    )


def own_request(s: Session, patient: Patient, request_id: int) -> ContactRequest | None:
    """One of the patient's own requests; None for anyone else's, as for one that is not there."""
    return s.scalar(
        select(ContactRequest).where(
            ContactRequest.id == request_id, ContactRequest.patient_id == patient.id
        )
    )


def make_request(
    s: Session, patient: Patient, asked: Asked, source: str = WEB, now: datetime | None = None
) -> tuple[ContactRequest, bool]:
    """Save a request, or find the one already made: (the request, True if it is new).

    One open request at a time: asking again while one is open, or sending the same form twice
    (its `form_key`), finds the one there is. Raises NotMonitored if monitoring is not active.
    """
    if not patient.is_monitored:
        raise NotMonitored(patient.id)
    existing = open_request(s, patient) or s.scalar(
        select(ContactRequest).where(
            ContactRequest.patient_id == patient.id, ContactRequest.form_key == asked.form_key
        )
    )
    if existing is not None:
        return existing, False
    now = now or clock.now()
    when = due.due_for(now, patient.team.response_days, DEFAULT_TIMEZONE)
    row = ContactRequest(
        patient_id=patient.id,
        team_id=patient.team_id,
        form_key=asked.form_key,
        source=source,
        created_at=now,
        due_on=when.on,
        due_at=when.at,
        alert_ids=",".join(str(c.alert_id) for c in asked.ticked if c.alert_id),
        urgency=most_urgent(asked.ticked),
        about="\n".join(c.label for c in asked.ticked),
        words=asked.words,
        reach_by=asked.reach_by,
        phone=asked.phone,
        good_times=asked.good_times,
        status=OPEN,
    )
    try:
        with s.begin_nested():  # two sends at the same moment: the second finds the first
            s.add(row)
    except IntegrityError:
        return make_request(s, patient, asked, source, now)
    return row, True


def by_text(s: Session, patient: Patient, sid: str, now: datetime) -> tuple[ContactRequest, bool]:
    """A request from a text saying CALL: about the patient's open alerts, by phone on their
    mobile. The text's id is its form key, so a text Twilio delivers twice makes one."""
    today = clock.local_date(now, patient.timezone)
    alerts = [c for c in choices(s, patient, today) if c.alert_id is not None]
    asked = Asked(
        ticked=alerts,
        words=None,
        reach_by=BY_PHONE,
        phone=display_mobile(patient.mobile),
        good_times=None,
        form_key=f"sms:{sid}"[:64],
    )
    return make_request(s, patient, asked, TEXT, now)


def shown_on_home(s: Session, patient: Patient, now: datetime) -> ContactRequest | None:
    """The request the diary's home page shows: the open one, or one closed in the last
    SHOWN_AFTER_CLOSING."""
    return open_request(s, patient) or s.scalar(
        select(ContactRequest)
        .where(
            ContactRequest.patient_id == patient.id,
            ContactRequest.status == CLOSED,
            ContactRequest.closed_at >= now - SHOWN_AFTER_CLOSING,
        )
        .order_by(ContactRequest.closed_at.desc(), ContactRequest.id.desc())
        .limit(1)
    )
