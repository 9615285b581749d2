"""Guards that apply to every request: default-deny sign-in, CSRF, and security headers."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from tracker import config

csrf = CSRFProtect()

View = TypeVar("View", bound=Callable)


def public(view: View) -> View:
    """Mark a view as open to people who are not signed in. Every other view needs sign-in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(_require_sign_in)
    app.before_request(_make_nonce)
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")


def _require_sign_in():
    if request.endpoint is None:  # a 404 or 405: let Flask answer it
        return None
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False) or current_user.is_authenticated:
        return None
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))


def _make_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def _set_headers(response):
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            # The design system's Frutiger font comes from the NHS asset host when it can.
            "font-src 'self' https://assets.nhs.uk",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_user.is_authenticated and request.blueprint != "assets":
        # Health data: never kept in a shared cache or the browser's back-forward cache.
        response.headers["Cache-Control"] = "no-store"
    if config.current().web.hsts:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def safe_next(target: str | None, fallback: str) -> str:
    """Where to go after sign-in: `target` only if it stays on this site, else `fallback`."""
    if not target:
        return fallback
    # Browsers treat a backslash like a slash, so "/\\evil.example" would leave the site.
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
