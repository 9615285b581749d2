"""Password hashing with argon2id, and the length rules for new passwords."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tracker.forms import has_hidden_character, hidden_character_message

MIN_LENGTH = 10
# Long passphrases are welcome; far longer than anyone types is refused before hashing,
# so a megabyte "password" costs nothing.
MAX_LENGTH = 256

# argon2-cffi's defaults are argon2id with the RFC 9106 low-memory profile.
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so a wrong email costs the same time
    as a wrong password and does not reveal which accounts exist."""
    # Made on first use, not at import: a hash costs 64 MiB and a noticeable fraction of a
    # second, which every process (the scheduler, each `flask` command) would pay for nothing.
    # The price: the first unknown email a process sees is answered one hash more slowly.
    return _hasher.hash("not-a-real-password-just-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Why a new password cannot be used, in words for the person choosing it; None if it can."""
    if has_hidden_character(password):
        # Hashing would take it, but nobody could type it again: a paste brought it in.
        return hidden_character_message("Your password", "used")
    if len(password) < MIN_LENGTH:
        return f"Your password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer"
    if password.strip() == "":
        return "Your password cannot be only spaces"
    return None
