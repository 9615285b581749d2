"""Limits on failed sign-ins, per account and per address, counted in the database; and on
requests for account links (a password reset, a new email address's confirmation), the same way.

The count lives in the database rather than in memory so that it holds however many worker
processes serve the site: a guesser cannot get a fresh allowance by landing on another worker.

Neither the email address nor the client address is stored. Each is reduced to an HMAC-SHA256
keyed with the app's secret: a plain SHA-256 of an email could be reversed by hashing a list
of likely addresses, the keyed hash cannot without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from tracker import clock, config
from tracker.auth.models import SignInFailure
from tracker.config import SignInLimits

ACCOUNT = "account"
ADDRESS = "address"
# Requests for a reset: per account (the email address typed, whether or not it has one) and per
# client address; and requests to confirm a new email address, per signed-in account.
RESET = "reset"
RESET_FROM = "reset_ip"
EMAIL_CHANGE = "email_chg"


# The limits are settings (`Settings.sign_in`); this module counts against them.
Limits = SignInLimits


@dataclass(frozen=True)
class Subject:
    """Who is trying to sign in, as the two keyed hashes the counts are kept under."""

    account: str
    address: str


def _keyed_hash(kind: str, value: str, secret: str) -> str:
    message = f"{kind}:{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _address_group(address: str | None) -> str:
    # One IPv6 user is usually given a whole /64, so counting single IPv6 addresses would let
    # them rotate through billions of fresh allowances. Count the /64 instead.
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # an IPv4 client seen through an IPv6 socket
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def subject_for(email: str, address: str | None, secret: str | None = None) -> Subject:
    """The hashed account and address keys for an attempt (email case and spaces ignored)."""
    secret = secret if secret is not None else config.current().secret_key
    return Subject(
        account=_keyed_hash(ACCOUNT, email.strip().lower(), secret),
        address=_keyed_hash(ADDRESS, _address_group(address), secret),
    )


def keyed(kind: str, value: str, secret: str | None = None) -> str:
    """The keyed hash a count is kept under for `value` (an email address is lower-cased)."""
    secret = secret if secret is not None else config.current().secret_key
    if kind in (ADDRESS, RESET_FROM):
        value = _address_group(value)
    return _keyed_hash(kind, value.strip().lower(), secret)


def take_allowance(
    db: Session, counts: list[tuple[str, str, int]], limits: Limits, now: datetime | None = None
) -> bool:
    """Count one request under each (kind, key_hash, limit); False if any limit is passed.

    As `begin_attempt`: the rows are committed before anything is counted, so a burst spread
    over several workers is refused rather than let through, and a refused request leaves no
    row. The window is the sign-in window, which `prune` tidies to. Commits the session.
    """
    now = now or clock.now()
    since = now - limits.window
    rows = [SignInFailure(kind=kind, key_hash=key_hash, at=now) for kind, key_hash, _ in counts]
    db.add_all(rows)
    db.commit()
    if all(_count(db, kind, key_hash, since) <= limit for kind, key_hash, limit in counts):
        return True
    db.execute(delete(SignInFailure).where(SignInFailure.id.in_([r.id for r in rows])))
    db.commit()
    return False


def _count(db: Session, kind: str, key_hash: str, since: datetime) -> int:
    return db.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(
            SignInFailure.kind == kind,
            SignInFailure.key_hash == key_hash,
            SignInFailure.at > since,
        )
    )


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt that was let through; it counts as a failure unless it succeeds."""

    subject: Subject
    address_row_id: int

    def succeeded(self, db: Session) -> None:
        """Forget the account's failures and this attempt's own row (the caller commits)."""
        account_rows = and_(
            SignInFailure.kind == ACCOUNT, SignInFailure.key_hash == self.subject.account
        )
        own_address_row = SignInFailure.id == self.address_row_id
        db.execute(delete(SignInFailure).where(or_(account_rows, own_address_row)))


def begin_attempt(
    db: Session, subject: Subject, limits: Limits, now: datetime | None = None
) -> Attempt | None:
    """Let one attempt through and count it, or return None if the limit is reached.

    The attempt is written down as a failure and committed *before* the count and before any
    password is checked. Checking first and writing afterwards would let a burst of requests
    arriving together on several workers all pass the check and each try a password; this
    way every one of them sees the others, so a burst can only be refused, never let through.
    Commits the session.
    """
    now = now or clock.now()
    since = now - limits.window
    account_row = SignInFailure(kind=ACCOUNT, key_hash=subject.account, at=now)
    address_row = SignInFailure(kind=ADDRESS, key_hash=subject.address, at=now)
    db.add_all([account_row, address_row])
    _forget_expired(db, subject, since)
    db.commit()

    # Each count includes this attempt's own row, hence "more than" the limit.
    if (
        _count(db, ACCOUNT, subject.account, since) > limits.per_account
        or _count(db, ADDRESS, subject.address, since) > limits.per_address
    ):
        # Refused attempts do not count: otherwise someone who keeps trying (or a guesser
        # who keeps hammering) would hold the account locked for ever.
        own_rows = [account_row.id, address_row.id]
        db.execute(delete(SignInFailure).where(SignInFailure.id.in_(own_rows)))
        db.commit()
        return None
    return Attempt(subject=subject, address_row_id=address_row.id)


def _forget_expired(db: Session, subject: Subject, since: datetime) -> None:
    # Tidy rows for these two keys that no longer count. The lookup index covers this, so it
    # stays cheap; rows for keys never seen again are left to `prune`.
    for kind, key_hash in ((ACCOUNT, subject.account), (ADDRESS, subject.address)):
        db.execute(
            delete(SignInFailure).where(
                SignInFailure.kind == kind,
                SignInFailure.key_hash == key_hash,
                SignInFailure.at <= since,
            )
        )


def prune(db: Session, limits: Limits, now: datetime | None = None) -> int:
    """Delete every failure too old to count; returns how many (for a periodic job)."""
    cutoff = (now or clock.now()) - limits.window
    result = db.execute(delete(SignInFailure).where(SignInFailure.at <= cutoff))
    return result.rowcount or 0
