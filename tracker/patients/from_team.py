"""What the patient may see of what their treating team did: "your team has been in touch" on
their diary, and who has looked at their record on their settings page (with the copies the
patient took of it themselves).

The patient's pages pass these to their templates. They read the team's record
(tracker.team.models) and nothing else of the team's workspace; pyproject's contracts allow
this module that one step and no further.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, cast, func, null, or_, select, union_all
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.models import Alert
from tracker.db import local_date
from tracker.patients.models import OWN_DOWNLOAD, OWN_SUMMARY, OWN_SUMMARY_PDF, OwnCopy
from tracker.team.models import (
    ALERT_ASSIGNED,
    ALERT_UNASSIGNED,
    CONDITIONS_CHANGED,
    CONTACT_ATTEMPTED,
    END_UNDONE,
    ENDED,
    ENROLLED,
    FHIR_RECORD,
    INVITATION_MADE,
    MOVED,
    NO_ACTION,
    OUTCOME_RECORDED,
    PAUSED,
    QUIET_OUTCOME_RECORDED,
    REQUEST_ASSIGNED,
    REQUEST_OUTCOME_RECORDED,
    REQUEST_UNASSIGNED,
    RESUMED,
    SIGN_IN_LINK_MADE,
    SUMMARY_PDF,
    VIEWED_ALERT,
    VIEWED_QUIET,
    VIEWED_RECORD,
    VIEWED_REQUEST,
    VIEWED_SUMMARY,
    AlertOutcome,
    Staff,
    StaffAccess,
    Team,
)

# How long the patient's diary says "your team has been in touch" after an outcome.
IN_TOUCH_DAYS = 14

# What a patient reads on their settings page for each thing staff did with their record.
FOR_PATIENT = {
    VIEWED_RECORD: "Looked at your diary and record",
    VIEWED_ALERT: "Looked at an alert from your diary",
    VIEWED_QUIET: "Looked at when they last heard from you",
    ENROLLED: "Added you to the diary",
    INVITATION_MADE: "Made a link for you to set up your account",
    SIGN_IN_LINK_MADE: "Sent you a new link to get into your account",
    PAUSED: "Paused monitoring",
    RESUMED: "Restarted monitoring",
    MOVED: "Moved you to another team",
    ENDED: "Ended monitoring",
    END_UNDONE: "Undid ending your monitoring, which was recorded by mistake",
    OUTCOME_RECORDED: "Noted what they did about an alert",
    CONDITIONS_CHANGED: "Changed the symptoms noted as expected for you",
    QUIET_OUTCOME_RECORDED: "Noted what they did when they had not heard from you for a while",
    CONTACT_ATTEMPTED: "Tried to contact you",
    ALERT_ASSIGNED: "Chose who in the team deals with an alert from your diary",
    ALERT_UNASSIGNED: "Chose who in the team deals with an alert from your diary",
    VIEWED_SUMMARY: "Looked at the summary of your diary",
    SUMMARY_PDF: "Downloaded the summary of your diary as a PDF",
    VIEWED_REQUEST: "Looked at your request to be contacted",
    REQUEST_OUTCOME_RECORDED: "Noted what they did about your request to be contacted",
    REQUEST_ASSIGNED: "Chose who in the team deals with your request to be contacted",
    REQUEST_UNASSIGNED: "Chose who in the team deals with your request to be contacted",
    # The patient's own copies: "You", then these.
    OWN_SUMMARY: "Looked at the summary of your diary",
    OWN_SUMMARY_PDF: "Downloaded the summary of your diary as a PDF",
    OWN_DOWNLOAD: "Downloaded all your data",
    FHIR_RECORD: "Downloaded a copy of your record for the hospital's own systems",
}


@dataclass(frozen=True)
class InTouch:
    """One recent outcome as the patient's diary mentions it (never the team's note)."""

    symptom_code: str
    at: datetime
    reviewed_only: bool  # "no action needed": the team looked, but did not necessarily call


def in_touch(
    s: Session, patient_id: int, now: datetime | None = None, days: int = IN_TOUCH_DAYS
) -> list[InTouch]:
    """Outcomes recorded for the patient in the last `days` days, newest first, one per symptom."""
    since = (now or clock.now()) - timedelta(days=days)
    rows = s.execute(
        select(AlertOutcome.outcome, AlertOutcome.at, Alert.symptom_code)
        .join(Alert, Alert.id == AlertOutcome.alert_id)
        .where(AlertOutcome.patient_id == patient_id, AlertOutcome.at >= since)
        .order_by(AlertOutcome.at.desc(), AlertOutcome.id.desc())
    ).all()
    seen: set[str] = set()
    found: list[InTouch] = []
    for outcome, at, code in rows:
        if code in seen:
            continue
        seen.add(code)
        found.append(InTouch(code, at, reviewed_only=outcome == NO_ACTION))
    return found


# Person-days on one page of "who has looked at your record": a short page on a phone.
ACCESS_PAGE_SIZE = 10


@dataclass(frozen=True)
class Doing:
    """One kind of thing a person did with the record on one day, and how often."""

    what: str
    times: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class AccessDay:
    """Everything one person did with the record on one day (in the reader's time zone)."""

    day: date
    who: str
    team: str
    doings: list[Doing]  # the latest first


@dataclass(frozen=True)
class AccessPage:
    """One page of the audit trail, grouped by person and day, newest first."""

    days: list[AccessDay]
    page: int  # from 1
    pages: int  # at least 1
    total: int  # person-days in all
    zone: str  # the time zone its days and times are in


def access_page(
    s: Session,
    patient_id: int,
    page: int,
    zone: str,
    words: Mapping[str, str],
    otherwise: str,
    the_patient: str,
    size: int = ACCESS_PAGE_SIZE,
) -> AccessPage:
    """One page of who has looked at or changed a patient's record, grouped by person and day
    in `zone` and counted by the database, in `words` (the patient's, or the team's); the
    patient's own copies are in it as `the_patient`'s. The caller has checked who may read it;
    a page out of range shows the nearest one."""
    nobody = cast(null(), Integer)  # the patient's own rows have no member of staff or team
    rows = union_all(
        select(
            StaffAccess.staff_id,
            StaffAccess.team_id,
            StaffAccess.action,
            StaffAccess.at,
            local_date(StaffAccess.at, zone).label("day"),
        ).where(StaffAccess.patient_id == patient_id),
        select(
            nobody.label("staff_id"),
            nobody.label("team_id"),
            OwnCopy.action,
            OwnCopy.at,
            local_date(OwnCopy.at, zone).label("day"),
        ).where(OwnCopy.patient_id == patient_id),
    ).subquery()
    key = (rows.c.staff_id, rows.c.team_id, rows.c.day)
    total = s.scalar(select(func.count()).select_from(select(*key).group_by(*key).subquery()))
    pages = max(1, -(-(total or 0) // size))
    page = min(max(page, 1), pages)
    latest = func.max(rows.c.at).label("latest")
    groups = s.execute(
        select(*key, Staff.name, Team.name)
        .select_from(rows)
        .outerjoin(Staff, Staff.id == rows.c.staff_id)
        .outerjoin(Team, Team.id == rows.c.team_id)
        .group_by(*key, Staff.name, Team.name)
        .order_by(rows.c.day.desc(), latest.desc(), rows.c.staff_id, rows.c.team_id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    doings: dict[tuple, list[Doing]] = {}
    if groups:
        # What each of this page's people did on its days, kind by kind.
        first = func.min(rows.c.at).label("first")
        staff_ids = {g[0] for g in groups}
        who = rows.c.staff_id.in_(staff_ids - {None})
        for *group, action, times, at_first, at_last in s.execute(
            select(*key, rows.c.action, func.count(), first, latest)
            .where(
                rows.c.day.in_({g[2] for g in groups}),
                or_(who, rows.c.staff_id.is_(None)) if None in staff_ids else who,
            )
            .group_by(*key, rows.c.action)
            .order_by(latest.desc(), rows.c.action)
        ):
            what = words.get(action, otherwise)
            doings.setdefault(tuple(group), []).append(Doing(what, times, at_first, at_last))
    days = [
        AccessDay(
            date.fromisoformat(day),
            name or the_patient,
            team or "",
            doings.get((staff, team_id, day), []),
        )
        for staff, team_id, day, name, team in groups
    ]
    return AccessPage(days, page, pages, total or 0, zone)
