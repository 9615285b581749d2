"""Protections on every page: CSRF, security headers, and the session cookie's flags."""

from __future__ import annotations

from tests.auth.conftest import COOKIE, sign_in_form, text_of
from tests.conftest import csrf_from


def test_a_post_without_a_csrf_token_is_refused(client, account):
    response = client.post("/sign-in", data={"email": account.email, "password": account.password})
    assert response.status_code == 400
    assert "Your form has expired" in text_of(response)
    assert client.get("/diary/").status_code == 302


def test_a_post_with_a_made_up_csrf_token_is_refused(client, account):
    client.get("/sign-in")
    data = {"email": account.email, "password": account.password, "csrf_token": "made-up"}
    assert client.post("/sign-in", data=data).status_code == 400


def test_csrf_token_lasts_long_enough_to_write_a_long_entry(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 2 * 60 * 60


def test_pages_send_the_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_is_sent_when_configured(make_app):
    production_like = make_app(web={"hsts": True})
    response = production_like.test_client().get("/sign-in")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_session_cookie_is_httponly_and_samesite_lax(client, account):
    response = sign_in_form(client, account.email, account.password)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the tests run over plain http


def test_session_cookie_is_secure_when_configured(make_app, account):
    production_like = make_app(web={"secure_cookies": True})
    client = production_like.test_client()
    token = csrf_from(client, "https://localhost/sign-in")
    response = client.post(
        "https://localhost/sign-in",
        data={"csrf_token": token, "email": account.email, "password": account.password},
        # Over https Flask-WTF also checks the form came from this site.
        headers={"Referer": "https://localhost/sign-in"},
    )
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_signed_in_pages_are_not_cached(client, account):
    sign_in_form(client, account.email, account.password)
    assert client.get("/diary/").headers["Cache-Control"] == "no-store"
