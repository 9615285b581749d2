"""Telling teams: an email for each alert that became emergency or same-day, a daily digest, and
(with the urgent emails) how many requests to be contacted are past due.

The deciding is in tracker.team.notify (pure); this reads the alert history and queues the emails
through the outbox. Both are idempotent (the outbox keys a team notice by team, kind and alerts),
so the job can run as often as it likes and a restart sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.models import Alert, AlertEvent
from tracker.config import DEFAULT_TIMEZONE
from tracker.notify.queueing import queue_team_email
from tracker.patients.models import Patient
from tracker.rules.urgency import RAISED_AT_ONCE
from tracker.team.models import Team
from tracker.team.notify import (
    AlertChange,
    choice_for,
    daily_digest,
    digest_window,
    past_due_email,
    urgent_email,
)
from tracker.team.queue_filter import PAST_DUE
from tracker.team.requests import past_due_by_team

# How far back the immediate emails look: long enough to cover a jobs process down for hours.
LOOK_BACK = timedelta(hours=24)
# The digest of a day goes out the next morning, once the day is over everywhere in the team.
DIGEST_FROM_HOUR = 7


@dataclass
class NoticeSummary:
    urgent: int = 0
    digests: int = 0
    past_due: int = 0


def queue_team_notices(s: Session, public_url: str, now: datetime) -> NoticeSummary:
    """Queue what teams asked to be told; the caller commits."""
    link = f"{public_url.rstrip('/')}/team/"
    summary = NoticeSummary()
    teams = {t.id: t for t in s.scalars(select(Team))}
    for change in _changes(s, now - LOOK_BACK - timedelta(days=1), now):
        if change.urgency not in RAISED_AT_ONCE or change.at < now - LOOK_BACK:
            continue
        email = urgent_email(choice_for(teams[change.team_id]), [change], link)
        if email is not None and queue_team_email(s, email, now=now) is not None:
            summary.urgent += 1
    summary.digests = _queue_digests(s, teams, link, now)
    for team_id, ids in past_due_by_team(s, now).items():
        email = past_due_email(choice_for(teams[team_id]), ids, f"{link}?status={PAST_DUE}")
        if email is not None and queue_team_email(s, email, now=now) is not None:
            summary.past_due += 1
    return summary


def _queue_digests(s: Session, teams: dict[int, Team], link: str, now: datetime) -> int:
    today = clock.local_date(now, DEFAULT_TIMEZONE)
    if now.astimezone(digest_window(today)[0].tzinfo).hour < DIGEST_FROM_HOUR:
        return 0
    yesterday = today - timedelta(days=1)
    start, end = digest_window(yesterday)
    changes = list(_changes(s, start, end))
    queued = 0
    for team in teams.values():
        email = daily_digest(choice_for(team), changes, yesterday, link)
        if email is not None and queue_team_email(s, email, now=now) is not None:
            queued += 1
    return queued


def _changes(s: Session, since: datetime, until: datetime):
    """Alerts opened, or whose urgency changed, in [since, until), as plain facts."""
    rows = s.execute(
        select(
            AlertEvent.alert_id,
            AlertEvent.action,
            AlertEvent.urgency,
            AlertEvent.at,
            Patient.team_id,
        )
        .join(Alert, Alert.id == AlertEvent.alert_id)
        .join(Patient, Patient.id == Alert.patient_id)
        .where(
            AlertEvent.action.in_(("opened", "updated")),
            AlertEvent.at >= since,
            AlertEvent.at < until,
        )
        .order_by(AlertEvent.id)
    )
    for alert_id, action, urgency, at, team_id in rows:
        yield AlertChange(alert_id, team_id, urgency, at, opened=action == "opened")
