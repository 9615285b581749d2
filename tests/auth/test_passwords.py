"""The password rules and the real hashing settings."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import Type

from tests.auth.conftest import REAL_DUMMY_HASH, REAL_HASHER
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


# Counts every argon2 hash made while the app is imported and built, and every module of tracker
# and jobs imported (the scheduler, each `flask` command and each web worker pays for what
# happens at import). Prints the count, then how many dummy hashes are cached.
_COUNT_HASHES_AT_IMPORT = """
import importlib, pkgutil, sys
import argon2

made = []
real_hash = argon2.PasswordHasher.hash
def counted(self, *args, **kwargs):
    made.append(1)
    return real_hash(self, *args, **kwargs)
argon2.PasswordHasher.hash = counted

import jobs, tracker
from tracker.config import for_tests
tracker.create_app(for_tests("sqlite:///" + sys.argv[1], sys.argv[2]))
for package in (tracker, jobs):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not module.name.endswith("__main__"):  # jobs.__main__ would start the scheduler
            importlib.import_module(module.name)

from tracker.auth import passwords
print(len(made), passwords._dummy_hash.cache_info().currsize)
"""


@pytest.mark.whole_app
def test_importing_and_building_the_app_computes_no_argon2_hash(tmp_path):
    """The dummy hash for unknown accounts is made on first use, never at import."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _COUNT_HASHES_AT_IMPORT,
            str(tmp_path / "tracker.db"),
            str(tmp_path / "instance"),
        ],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    hashes_made, dummies_cached = map(int, done.stdout.split())
    assert (hashes_made, dummies_cached) == (0, 0)


def test_an_unknown_account_costs_one_verify_against_a_dummy_hash_made_once(monkeypatch):
    """A wrong email takes as long as a wrong password: the dummy is verified against each time."""
    hashed, verified = [], []

    class Recording:
        def hash(self, password):
            hashed.append(password)
            return REAL_HASHER.hash(password)

        def verify(self, stored, password):
            verified.append(stored)
            return REAL_HASHER.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", Recording())
    # A fresh cache around the real function, so the module's own cache stays untouched.
    monkeypatch.setattr(passwords, "_dummy_hash", functools.cache(REAL_DUMMY_HASH.__wrapped__))

    assert passwords.verify_password(None, "a long enough passphrase") is False
    assert passwords.verify_password(None, "another long passphrase") is False
    assert len(hashed) == 1
    assert len(verified) == 2 and verified[0] == verified[1]
    assert verified[0].startswith("$argon2id$v=19$m=65536,")  # the service's real cost
