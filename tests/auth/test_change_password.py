"""Changing the password: the rules, and every other session ended on the server."""

from __future__ import annotations

from sqlalchemy import select

from tests.auth.conftest import (
    COOKIE,
    is_signed_in,
    read,
    session_cookie,
    sign_in_form,
    text_of,
)
from tests.conftest import csrf_from
from tracker.auth.models import UserSession
from tracker.patients.models import Patient

NEW = "a brand new passphrase"


def _change(client, current: str, new: str = NEW, confirm: str | None = None):
    data = {
        "csrf_token": csrf_from(client, "/settings/password"),
        "current-password": current,
        "new-password": new,
        "confirm-password": new if confirm is None else confirm,
    }
    return client.post("/settings/password", data=data)


def test_change_password_page_needs_sign_in(client):
    response = client.get("/settings/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/settings/password")


def test_password_change_ends_other_sessions_and_keeps_this_browser_signed_in(app, account):
    here, elsewhere = app.test_client(), app.test_client()
    sign_in_form(here, account.email, account.password)
    sign_in_form(elsewhere, account.email, account.password)

    response = _change(here, account.password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings/"
    assert "Your password has been changed" in text_of(here.get("/settings/"))

    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    reasons = read(
        app, lambda s: sorted(str(r.ended_reason) for r in s.scalars(select(UserSession)))
    )
    assert reasons == ["None", "password_changed", "password_changed"]


def test_this_browsers_old_cookie_is_refused_after_a_password_change(client, account):
    sign_in_form(client, account.email, account.password)
    copied = session_cookie(client)
    _change(client, account.password)
    assert session_cookie(client) != copied

    client.set_cookie(COOKIE, copied)
    assert not is_signed_in(client)


def test_new_password_works_and_old_one_does_not(app, account):
    client = app.test_client()
    sign_in_form(client, account.email, account.password)
    _change(client, account.password)
    patient = read(app, lambda s: s.get(Patient, account.id))
    assert patient.password_changed_at is not None

    assert sign_in_form(app.test_client(), account.email, account.password).status_code == 400
    assert sign_in_form(app.test_client(), account.email, NEW).status_code == 302


def test_wrong_current_password_is_refused_beside_the_field(client, account):
    sign_in_form(client, account.email, account.password)
    response = _change(client, "not my password")
    body = text_of(response)
    assert response.status_code == 400
    assert "Your current password is not right" in body
    assert 'id="current-password-error"' in body
    assert "not my password" not in body and NEW not in body  # passwords never put back
    assert "<title>Error: " in body
    assert 'autocomplete="current-password"' in body and 'autocomplete="new-password"' in body
    assert is_signed_in(client)
    assert sign_in_form(client.application.test_client(), account.email, NEW).status_code == 400


def test_new_password_rules_are_checked(client, account):
    sign_in_form(client, account.email, account.password)
    short = _change(client, account.password, new="short")
    assert short.status_code == 400
    assert "at least 10 characters" in text_of(short)
    assert 'id="new-password-error"' in text_of(short)

    mismatch = _change(client, account.password, confirm="something different")
    assert "The passwords do not match" in text_of(mismatch)
    assert 'id="confirm-password-error"' in text_of(mismatch)

    same = _change(client, account.password, new=account.password)
    assert "must be different from your current one" in text_of(same)

    huge = _change(client, account.password, new="x" * 10_000)
    assert huge.status_code == 400
    assert "256 characters or fewer" in text_of(huge)

    empty = _change(client, "", new="", confirm="")
    for message in ("Enter your current password", "Enter a password", "Enter the password again"):
        assert message in text_of(empty)


def test_a_refused_change_leaves_the_password_and_sessions_alone(app, account):
    here, elsewhere = app.test_client(), app.test_client()
    sign_in_form(here, account.email, account.password)
    sign_in_form(elsewhere, account.email, account.password)
    before = read(app, lambda s: s.get(Patient, account.id).password_hash)
    _change(here, "not my password")
    assert read(app, lambda s: s.get(Patient, account.id).password_hash) == before
    assert is_signed_in(elsewhere)
