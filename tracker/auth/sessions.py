"""Server-side sessions: a random key in the signed cookie, its hash in the database.

Signing out, or changing the password, ends the row, so a copied or replayed cookie stops
working at once, on every worker.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker import clock
from tracker.auth.models import UserSession
from tracker.patients.models import Patient

# Writing last_seen_at on every request would make every page view a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(db: Session, patient: Patient) -> str:
    """Open a new session for `patient` and return the key for the cookie."""
    key = secrets.token_urlsafe(32)
    db.add(UserSession(key_hash=hash_key(key), patient_id=patient.id))
    return key


def find_active(db: Session, key: str, max_age: timedelta) -> UserSession | None:
    row = db.scalar(select(UserSession).where(UserSession.key_hash == hash_key(key)))
    if row is None or row.ended_at is not None:
        return None
    now = clock.now()
    if now - row.created_at > max_age:
        return None
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
        db.commit()
    return row


def end_session(db: Session, key: str, reason: str) -> None:
    db.execute(
        update(UserSession)
        .where(UserSession.key_hash == hash_key(key), UserSession.ended_at.is_(None))
        .values(ended_at=clock.now(), ended_reason=reason)
    )


def end_all_sessions(db: Session, patient_id: int, reason: str) -> None:
    db.execute(
        update(UserSession)
        .where(UserSession.patient_id == patient_id, UserSession.ended_at.is_(None))
        .values(ended_at=clock.now(), ended_reason=reason)
    )
