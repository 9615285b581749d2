"""Deciding which emails a team is sent about its alerts. Pure: plain facts and times in.

Teams can choose to be told too (issue 6): an email at once when an emergency or same-day alert
is opened or rises to one of those, and a daily digest of the alerts opened the day before.
By default, and until a team's policy says otherwise, an email carries a count and a link to the
queue: no name, no symptom, nothing about any patient.

Sending is the notifications issue's: its job calls these functions and puts what they return in
the outbox (the message text lives in its templates, like every other message).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.config import DEFAULT_TIMEZONE
from tracker.rules.urgency import RAISED_AT_ONCE

URGENT = "urgent"
DIGEST = "digest"
PAST_DUE = "requests_past_due"  # requests to be contacted whose due day is over (issue 21)


@dataclass(frozen=True)
class TeamChoice:
    """What a team chose to be told, and where (Team.notify_* columns)."""

    team_id: int
    notify_urgent: bool
    notify_digest: bool
    address: str


@dataclass(frozen=True)
class AlertChange:
    """An alert of one of the team's patients that was opened, or whose urgency rose."""

    alert_id: int
    team_id: int
    urgency: str
    at: datetime
    opened: bool  # False: an existing alert rose to this urgency


@dataclass(frozen=True)
class TeamEmail:
    """One email to a team: how many alerts, and the link to the queue. Nothing else."""

    team_id: int
    address: str
    kind: str  # URGENT, DIGEST or PAST_DUE
    count: int
    link: str
    alert_ids: tuple[int, ...]  # for the outbox's idempotency key, never for the text
    # (for PAST_DUE, the requests' ids: a new set past due is a new email, the same set is not)


def urgent_email(choice: TeamChoice, changes: Iterable[AlertChange], link: str) -> TeamEmail | None:
    """The immediate email for alerts that became emergency or same-day, if the team wants it."""
    if not choice.notify_urgent:
        return None
    ids = sorted(
        {c.alert_id for c in changes if c.team_id == choice.team_id and c.urgency in RAISED_AT_ONCE}
    )
    if not ids:
        return None
    return TeamEmail(choice.team_id, choice.address, URGENT, len(ids), link, tuple(ids))


def past_due_email(choice: TeamChoice, request_ids: Iterable[int], link: str) -> TeamEmail | None:
    """With the urgent emails, if the team wants them: how many requests to be contacted are
    past due, and the link to them in the queue."""
    ids = tuple(sorted(set(request_ids)))
    if not choice.notify_urgent or not ids:
        return None
    return TeamEmail(choice.team_id, choice.address, PAST_DUE, len(ids), link, ids)


def digest_window(day: date, timezone: str = DEFAULT_TIMEZONE) -> tuple[datetime, datetime]:
    """The start and end (UTC-aware) of `day` in the team's time zone: what a digest covers."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def daily_digest(
    choice: TeamChoice, changes: Iterable[AlertChange], day: date, link: str
) -> TeamEmail | None:
    """The digest of alerts opened on `day` (the team's local day), if the team wants one.

    Only newly opened alerts count; one that merely rose in urgency was counted when it opened.
    None when there is nothing new, so that nobody learns to ignore an empty email.
    """
    if not choice.notify_digest:
        return None
    start, end = digest_window(day)
    ids = sorted(
        {
            c.alert_id
            for c in changes
            if c.team_id == choice.team_id and c.opened and start <= c.at < end
        }
    )
    if not ids:
        return None
    return TeamEmail(choice.team_id, choice.address, DIGEST, len(ids), link, tuple(ids))


def choice_for(team) -> TeamChoice:
    """A team's choices as plain facts (`team` is a tracker.team.models.Team)."""
    return TeamChoice(team.id, team.notify_urgent, team.notify_digest, team.notify_address)
