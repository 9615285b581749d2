"""Signing in and out: the form, the generic error, next=, sessions on the server."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.auth.conftest import (
    COOKIE,
    is_signed_in,
    read,
    session_cookie,
    sign_in_form,
    text_of,
)
from tests.conftest import csrf_from, sign_in_as
from tracker.auth import passwords
from tracker.auth.models import UserSession
from tracker.auth.sessions import hash_key

WRONG = "Your email address or password is not right"


def test_sign_in_page_labels_fields_for_password_managers(client):
    body = text_of(client.get("/sign-in"))
    assert 'autocomplete="email"' in body
    assert 'autocomplete="current-password"' in body
    assert 'type="password"' in body


def test_sign_in_with_correct_details_opens_the_diary(client, account):
    response = sign_in_form(client, account.email, account.password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary/"
    assert is_signed_in(client)


def test_sign_in_ignores_case_and_spaces_in_the_email(client, account):
    response = sign_in_form(client, "  SAM@Example.TEST ", account.password)
    assert response.headers["Location"] == "/diary/"


def test_wrong_password_is_refused_with_the_error_and_the_email_kept(client, account):
    response = sign_in_form(client, account.email, "not the password at all")
    body = text_of(response)
    assert response.status_code == 400
    assert WRONG in body
    assert 'href="#email"' in body  # the error summary links to the field
    assert f'value="{account.email}"' in body
    assert "not the password at all" not in body  # a password is never put back
    assert "<title>Error: " in body
    assert not is_signed_in(client)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, account):
    unknown = sign_in_form(client, "nobody@example.test", account.password)
    wrong = sign_in_form(client, account.email, "not the password at all")
    assert unknown.status_code == wrong.status_code == 400
    assert WRONG in text_of(unknown)
    assert WRONG in text_of(wrong)


def test_empty_fields_get_an_error_beside_each(client, account):
    token = csrf_from(client, "/sign-in")
    response = client.post("/sign-in", data={"csrf_token": token, "email": "", "password": ""})
    body = text_of(response)
    assert response.status_code == 400
    assert "Enter your email address" in body
    assert "Enter your password" in body
    assert 'id="email-error"' in body and 'id="password-error"' in body


def test_absurdly_long_password_is_refused_without_hashing(client, account, monkeypatch):
    class NoHashing:
        def verify(self, *_args):
            raise AssertionError("a 10,000-character password was hashed")

        hash = verify

    monkeypatch.setattr(passwords, "_hasher", NoHashing())
    response = sign_in_form(client, account.email, "x" * 10_000)
    assert response.status_code == 400
    assert WRONG in text_of(response)


def test_signed_in_patient_visiting_sign_in_goes_to_the_diary(client, account):
    sign_in_as(client, _patient(client.application, account))
    response = client.get("/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary/"


def _patient(app, account):
    from tracker.patients.models import Patient

    return read(app, lambda s: s.get(Patient, account.id))


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "https:evil.example",
        "",
    ],
)
def test_next_leaving_the_site_lands_on_the_diary(client, account, target):
    from urllib.parse import quote

    response = sign_in_form(client, account.email, account.password, next_=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/diary/"


def test_local_next_is_honoured(client, account):
    response = sign_in_form(client, account.email, account.password, next_="/settings/")
    assert response.headers["Location"] == "/settings/"


def test_page_needing_sign_in_comes_back_after_sign_in(client, account):
    to_sign_in = client.get("/settings/details")
    assert to_sign_in.status_code == 302
    page = to_sign_in.headers["Location"]  # /sign-in?next=...
    token = csrf_from(client, page)
    data = {"csrf_token": token, "email": account.email, "password": account.password}
    response = client.post(page, data=data)
    assert response.headers["Location"] == "/settings/details"


def test_sign_in_starts_a_new_session_key_not_the_one_planted_before(client, account):
    """Session fixation: whatever key the browser carried before is not the one used after."""
    client.get("/sign-in")
    with client.session_transaction() as sess:
        sess["_user_id"] = "planted-by-someone-else"
    cookie_before = session_cookie(client)

    sign_in_form(client, account.email, account.password)

    with client.session_transaction() as sess:
        key_after = sess["_user_id"]
    assert key_after != "planted-by-someone-else"
    assert session_cookie(client) != cookie_before
    stored = read(client.application, lambda s: list(s.scalars(select(UserSession.key_hash))))
    assert stored == [hash_key(key_after)]  # the key itself is not stored, only its hash


def test_each_sign_in_gets_its_own_session_key(app, account):
    first, second = app.test_client(), app.test_client()
    sign_in_form(first, account.email, account.password)
    sign_in_form(second, account.email, account.password)
    assert session_cookie(first) != session_cookie(second)
    count = read(app, lambda s: s.scalar(select(func.count()).select_from(UserSession)))
    assert count == 2


def test_sign_out_ends_the_session_on_the_server(client, account):
    sign_in_form(client, account.email, account.password)
    token = csrf_from(client, "/diary/")
    response = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=True)
    assert "You have signed out" in text_of(response)
    assert response.request.path == "/"
    rows = read(client.application, lambda s: list(s.scalars(select(UserSession))))
    assert [r.ended_reason for r in rows] == ["signed_out"]
    assert rows[0].ended_at is not None


def test_replayed_cookie_after_sign_out_is_refused(client, account):
    sign_in_form(client, account.email, account.password)
    copied = session_cookie(client)
    token = csrf_from(client, "/diary/")
    client.post("/sign-out", data={"csrf_token": token})

    client.set_cookie(COOKIE, copied)
    response = client.get("/diary/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_out_without_a_csrf_token_is_refused_and_keeps_the_session(client, account):
    sign_in_form(client, account.email, account.password)
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert is_signed_in(client)


def test_sign_out_after_the_session_ended_still_signs_out(client, account):
    sign_in_form(client, account.email, account.password)
    token = csrf_from(client, "/diary/")
    with client.application.app_context():
        from tracker import db
        from tracker.auth.sessions import end_sessions

        end_sessions(db.session(), "test", patient_id=account.id)
        db.session().commit()
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_rehashes_a_password_hashed_with_old_settings(client, account):
    from argon2 import PasswordHasher

    from tracker.patients.models import Patient

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(account.password)
    with client.application.app_context():
        from tracker import db

        db.session().get(Patient, account.id).password_hash = weak
        db.session().commit()
    sign_in_form(client, account.email, account.password)
    stored = read(client.application, lambda s: s.get(Patient, account.id).password_hash)
    assert stored != weak
    assert not passwords.needs_rehash(stored)
    assert passwords.verify_password(stored, account.password)
