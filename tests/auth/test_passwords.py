"""The password rules and the real hashing settings."""

from __future__ import annotations

from argon2 import Type

from tests.auth.conftest import REAL_HASHER
from tracker.auth import passwords


def test_the_service_hashes_with_argon2id():
    assert REAL_HASHER.type is Type.ID
    assert REAL_HASHER.hash("a long enough passphrase").startswith("$argon2id$")


def test_passphrases_up_to_256_characters_are_allowed():
    for length in (10, 64, 65, 200, 256):
        assert passwords.password_problem("p" * length) is None


def test_too_short_too_long_and_blank_passwords_are_refused():
    assert "at least 10" in passwords.password_problem("p" * 9)
    assert "256 characters or fewer" in passwords.password_problem("p" * 257)
    assert "only spaces" in passwords.password_problem(" " * 12)


def test_an_absurd_password_is_turned_away_before_any_hashing(monkeypatch):
    class NoHashing:
        def verify(self, *_args):
            raise AssertionError("an over-long password reached argon2")

        hash = verify

    stored = REAL_HASHER.hash("a long enough passphrase")
    monkeypatch.setattr(passwords, "_hasher", NoHashing())
    assert passwords.verify_password(stored, "x" * 1_000_000) is False
    assert passwords.password_problem("x" * 1_000_000) is not None
