"""Limits on failed sign-ins: per account, per address, across workers, and what is stored."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.auth.conftest import database, is_signed_in, read, sign_in_form, text_of
from tests.conftest import csrf_from, reconfigure, sign_in_as
from tracker.auth import throttle
from tracker.auth.models import SignInFailure
from tracker.clock import SYSTEM

WRONG = "wrong password typed here"


def _address(n: int) -> dict:
    """Requests from a documentation address (RFC 5737), a different one for each n."""
    return {"environ_base": {"REMOTE_ADDR": f"203.0.113.{n}"}}


def _fail(client, email: str, times: int, address: int = 1) -> None:
    for _ in range(times):
        assert sign_in_form(client, email, WRONG, **_address(address)).status_code == 400


def _assert_locked_page(response, minutes: int = 15) -> None:
    body = text_of(response)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(minutes * 60)
    assert f"Wait {minutes} minutes" in body
    assert "You do not need the diary to contact your treating team" in body
    assert "999" in body


def test_account_is_locked_after_too_many_failures_with_a_clear_message(client, account):
    # From a different address each time, so only the per-account limit can be what stops it.
    for n in range(5):
        _fail(client, account.email, 1, address=n)
    response = sign_in_form(client, account.email, WRONG, **_address(50))
    _assert_locked_page(response)


def test_correct_password_is_refused_while_the_account_is_locked(client, account):
    _fail(client, account.email, 5)
    response = sign_in_form(client, account.email, account.password, **_address(99))
    _assert_locked_page(response)
    assert not is_signed_in(client)


def test_address_is_locked_after_failures_across_different_emails(client, account):
    reconfigure(client.application, sign_in={"per_address": 4})
    for n in range(4):
        _fail(client, f"guess{n}@example.test", 1, address=7)
    # A real account with the right password, from the same address: still refused.
    _assert_locked_page(sign_in_form(client, account.email, account.password, **_address(7)))
    # The same person from elsewhere is not affected by that address's count.
    assert sign_in_form(client, account.email, account.password, **_address(8)).status_code == 302


def test_limit_holds_across_two_worker_processes_sharing_the_database(app, account, make_app):
    worker_a = app.test_client()
    worker_b = make_app().test_client()  # a second app: its own engine, nothing shared in memory
    _fail(worker_a, account.email, 3)
    _fail(worker_b, account.email, 2)
    _assert_locked_page(sign_in_form(worker_a, account.email, account.password))
    _assert_locked_page(sign_in_form(worker_b, account.email, account.password))


def test_success_clears_the_accounts_failures(client, account):
    _fail(client, account.email, 4)
    assert sign_in_form(client, account.email, account.password).status_code == 302

    def account_rows(s):
        return s.scalar(
            select(func.count()).select_from(SignInFailure).where(SignInFailure.kind == "account")
        )

    assert read(client.application, account_rows) == 0
    # So another four mistakes later do not lock the account.
    other = client.application.test_client()
    _fail(other, account.email, 4)
    assert sign_in_form(other, account.email, account.password).status_code == 302


def test_refused_attempts_do_not_extend_the_lock(app, account):
    client = app.test_client()
    _fail(client, account.email, 5)
    for _ in range(3):
        assert sign_in_form(client, account.email, WRONG).status_code == 429
    count = read(app, lambda s: s.scalar(select(func.count()).select_from(SignInFailure)))
    assert count == 10  # the five failures, once per account and once per address


def test_failures_older_than_the_window_no_longer_count(client, account):
    _fail(client, account.email, 5)
    long_ago = SYSTEM.now() - timedelta(minutes=16)
    with database(client.application) as s:
        for row in s.scalars(select(SignInFailure)):
            row.at = long_ago
        s.commit()
    assert sign_in_form(client, account.email, account.password).status_code == 302


def test_failure_rows_hold_no_raw_email_or_address(client, account):
    sign_in_form(client, account.email, WRONG, environ_base={"REMOTE_ADDR": "198.51.100.23"})
    rows = read(client.application, lambda s: list(s.scalars(select(SignInFailure))))
    assert {r.kind for r in rows} == {"account", "address"}
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row.key_hash)
        assert "sam" not in row.key_hash and "198.51" not in row.key_hash
        # Keyed, so hashing a list of likely emails does not find it.
        assert row.key_hash != hashlib.sha256(account.email.encode()).hexdigest()


def test_wrong_current_password_when_changing_it_counts_towards_the_limit(client, account):
    _fail(client, account.email, 4)
    other = client.application.test_client()
    sign_in_as(other, _patient(client.application, account.id))
    token = csrf_from(other, "/settings/password")
    data = {
        "csrf_token": token,
        "current-password": WRONG,
        "new-password": "a brand new passphrase",
        "confirm-password": "a brand new passphrase",
    }
    assert other.post("/settings/password", data=data).status_code == 400
    data["current-password"] = account.password
    locked = other.post("/settings/password", data=data)
    _assert_locked_page(locked)
    assert "0118 496 0000" in text_of(locked)  # signed in, so their team's number can be given


def _patient(app, patient_id):
    from tracker.patients.models import Patient

    return read(app, lambda s: s.get(Patient, patient_id))


def test_ipv6_addresses_in_one_64_count_together(app):
    with app.app_context():
        one = throttle.subject_for("a@example.test", "2001:db8:1:2::1")
        same_64 = throttle.subject_for("a@example.test", "2001:db8:1:2:ffff::9")
        other_64 = throttle.subject_for("a@example.test", "2001:db8:1:3::1")
        mapped = throttle.subject_for("a@example.test", "::ffff:192.0.2.1")
        plain = throttle.subject_for("a@example.test", "192.0.2.1")
    assert one.address == same_64.address != other_64.address
    assert mapped.address == plain.address


def test_a_burst_of_attempts_is_never_let_past_the_limit(app):
    """Attempts are written down before the count, so a burst cannot all slip through."""
    limits = throttle.Limits(window=timedelta(minutes=15), per_account=5, per_address=100)
    with database(app) as s:
        subject = throttle.subject_for("burst@example.test", "192.0.2.5")
        let_through = [throttle.begin_attempt(s, subject, limits) for _ in range(8)]
    assert sum(a is not None for a in let_through) == 5


def test_prune_removes_only_rows_too_old_to_count(app):
    limits = throttle.Limits(window=timedelta(minutes=15), per_account=5, per_address=20)
    with database(app) as s:
        old = throttle.subject_for("old@example.test", "192.0.2.6")
        recent = throttle.subject_for("recent@example.test", "192.0.2.7")
        throttle.begin_attempt(s, old, limits, now=SYSTEM.now() - timedelta(hours=1))
        throttle.begin_attempt(s, recent, limits)
        assert throttle.prune(s, limits) == 2
        s.commit()
        assert s.scalar(select(func.count()).select_from(SignInFailure)) == 2
