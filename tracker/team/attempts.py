"""The team's tries to reach a patient that did not (no answer, a message left), as the queue
and an item's page say the latest one. A try is about an alert, a quiet patient or a request.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tracker.team import wording
from tracker.team.models import ContactAttempt

# What a try can be about: the column naming it. Each statement built once (see tracker.db).
_ATTEMPTS_ABOUT = {
    about: select(ContactAttempt)
    .where(getattr(ContactAttempt, about).in_(bindparam("ids", expanding=True)))
    .order_by(ContactAttempt.at, ContactAttempt.id)
    for about in ("alert_id", "quiet_spell_id", "contact_request_id")
}


def latest_attempts(s: Session, about: str, ids: list[int]) -> dict[int, ContactAttempt]:
    """The latest contact attempt about each of these ids, by id; `about` is "alert_id",
    "quiet_spell_id" or "contact_request_id"."""
    latest: dict[int, ContactAttempt] = {}
    if ids:
        rows = s.scalars(_ATTEMPTS_ABOUT[about], {"ids": ids})
        for row in rows:  # oldest first: each later one replaces the one before
            latest[getattr(row, about)] = row
    return latest


def attempt_words(attempt: ContactAttempt | None) -> str | None:
    """A contact attempt as the queue and the item's page say it, or None."""
    if attempt is None:
        return None
    return wording.attempt_words(attempt.attempt, attempt.at, attempt.staff.name)


def latest_words(s: Session, about: str, item_id: int) -> str | None:
    """The latest try about one alert, quiet patient or request, in words."""
    return attempt_words(latest_attempts(s, about, [item_id]).get(item_id))
