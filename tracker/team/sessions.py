"""Staff sessions: server-side like patients' (tracker.auth.sessions), and ended when idle.

A staff key starts with STAFF_KEY_PREFIX, so the sign-in loader knows which kind of session to
look up without a second query. Patient keys come from token_urlsafe, which never makes a dot.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker import clock
from tracker.auth.models import UserSession
from tracker.auth.sessions import hash_key
from tracker.team.models import Staff

STAFF_KEY_PREFIX = "s."
# Patients' sessions note activity every 5 minutes (tracker.auth.sessions). Staff sessions
# note it every minute, so the idle limit is kept to within a minute: after IDLE minutes with no
# request, the session has always ended; it never ends before IDLE minus one minute. A write
# a minute per busy member of staff is cheap.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def is_staff_key(key: str) -> bool:
    return key.startswith(STAFF_KEY_PREFIX)


def start_staff_session(db: Session, staff: Staff) -> str:
    """Open a new session for `staff` and return the key for the cookie (the caller commits)."""
    key = STAFF_KEY_PREFIX + secrets.token_urlsafe(32)
    db.add(UserSession(key_hash=hash_key(key), staff_id=staff.id))
    return key


def find_active_staff(
    db: Session, key: str, max_age: timedelta, idle: timedelta, now: datetime | None = None
) -> UserSession | None:
    """The staff session for `key` if it is open, younger than `max_age` and not idle.

    An idle session is ended in the database there and then (reason "idle"), so it cannot be
    woken by a later request that happens to land inside the resolution window.
    """
    row = db.scalar(select(UserSession).where(UserSession.key_hash == hash_key(key)))
    if row is None or row.ended_at is not None or row.staff_id is None:
        return None
    now = now or clock.now()
    if now - row.created_at > max_age:
        return None
    if now - row.last_seen_at > idle:
        end_staff_sessions(db, row.staff_id, "idle", only_id=row.id, now=now)
        db.commit()
        return None
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
        db.commit()
    return row


def end_staff_sessions(
    db: Session, staff_id: int, reason: str, only_id: int | None = None, now: datetime | None = None
) -> None:
    """End every open session of one member of staff (or just one of them)."""
    query = update(UserSession).where(
        UserSession.staff_id == staff_id, UserSession.ended_at.is_(None)
    )
    if only_id is not None:
        query = query.where(UserSession.id == only_id)
    db.execute(query.values(ended_at=now or clock.now(), ended_reason=reason))
