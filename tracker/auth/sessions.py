"""Server-side sessions, patients' and staff's: a random key in the signed cookie, its hash in
the database.

Signing out, or changing the password, ends the row, so a copied or replayed cookie stops
working at once, on every worker. A staff key starts with STAFF_KEY_PREFIX, so the sign-in
loader knows which kind of session to look up without a second query (patient keys come from
token_urlsafe, which never makes a dot). Staff sessions also end when left idle.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from tracker import clock
from tracker.auth.models import UserSession
from tracker.patients.models import Patient
from tracker.team.models import Staff

STAFF_KEY_PREFIX = "s."
# Writing last_seen_at on every request would make every page view a write. Staff sessions note
# activity every minute, so the idle limit is kept to within a minute: after `idle` with no
# request, the session has always ended; it never ends before `idle` minus one minute. A write a
# minute per busy member of staff is cheap.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
STAFF_LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_staff_key(key: str) -> bool:
    return key.startswith(STAFF_KEY_PREFIX)


def start_session(db: Session, account: Patient | Staff) -> str:
    """Open a new session for a patient or a member of staff; the key for the cookie.

    The caller commits.
    """
    if isinstance(account, Staff):
        key = STAFF_KEY_PREFIX + secrets.token_urlsafe(32)
        db.add(UserSession(key_hash=hash_key(key), staff_id=account.id))
    else:
        key = secrets.token_urlsafe(32)
        db.add(UserSession(key_hash=hash_key(key), patient_id=account.id))
    return key


# The session with its account in the same statement: every signed-in request reads it (and a
# member's teams, which scope every page of theirs; a row each). Built once, as every request
# runs it: see tracker.db.
_BY_KEY = select(UserSession).where(UserSession.key_hash == bindparam("key_hash"))
_SESSION_OF_STAFF = _BY_KEY.options(joinedload(UserSession.staff).joinedload(Staff.memberships))
_SESSION_OF_PATIENT = _BY_KEY.options(joinedload(UserSession.patient))


def find_active(
    db: Session,
    key: str,
    max_age: timedelta,
    idle: timedelta | None = None,
    now: datetime | None = None,
) -> UserSession | None:
    """The session for `key` if it is open and younger than `max_age`; else None.

    For a staff key, `idle` applies too: an idle session is ended in the database there and then
    (reason "idle"), so it cannot be woken by a later request that lands inside the resolution
    window. May commit (the idle end, or a new last_seen_at).
    """
    staff = is_staff_key(key)
    found = _SESSION_OF_STAFF if staff else _SESSION_OF_PATIENT
    row = db.execute(found, {"key_hash": hash_key(key)}).unique().scalar_one_or_none()
    if row is None or row.ended_at is not None or (staff and row.staff_id is None):
        return None
    now = now or clock.now()
    if now - row.created_at > max_age:
        return None
    if staff and idle is not None and now - row.last_seen_at > idle:
        end_sessions(db, "idle", staff_id=row.staff_id, only_id=row.id, now=now)
        db.commit()
        return None
    resolution = STAFF_LAST_SEEN_RESOLUTION if staff else LAST_SEEN_RESOLUTION
    if now - row.last_seen_at > resolution:
        row.last_seen_at = now
        db.commit()
    return row


def end_session(db: Session, key: str, reason: str) -> None:
    """End the one session whose key this is (signing out)."""
    db.execute(
        update(UserSession)
        .where(UserSession.key_hash == hash_key(key), UserSession.ended_at.is_(None))
        .values(ended_at=clock.now(), ended_reason=reason)
    )


def end_sessions(
    db: Session,
    reason: str,
    *,
    patient_id: int | None = None,
    staff_id: int | None = None,
    only_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """End every open session of one patient or one member of staff (or just one of them)."""
    if (patient_id is None) == (staff_id is None):
        raise ValueError("give a patient or a member of staff")
    owner = (
        UserSession.patient_id == patient_id
        if patient_id is not None
        else UserSession.staff_id == staff_id
    )
    query = update(UserSession).where(owner, UserSession.ended_at.is_(None))
    if only_id is not None:
        query = query.where(UserSession.id == only_id)
    db.execute(query.values(ended_at=now or clock.now(), ended_reason=reason))
