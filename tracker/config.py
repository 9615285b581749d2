"""Settings, read once from the environment (and `instance/`), then passed to the app."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from tracker.notify import config as notify_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not describe a safe, working service."""


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_secret_key(instance: Path) -> str:
    """A random key kept in instance/ so local sessions survive restarts; not for production."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment() -> dict:
    """Build the Flask config mapping from the process environment."""
    instance = Path(os.environ.get("TRACKER_INSTANCE_PATH", DEFAULT_INSTANCE))
    env = os.environ.get("TRACKER_ENV", "development")
    production = env == "production"

    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when TRACKER_ENV=production.")
        secret_key = _local_secret_key(instance)

    database_url = os.environ.get("TRACKER_DATABASE_URL") or f"sqlite:///{instance / 'tracker.db'}"
    if production and database_url.startswith("sqlite"):
        # Allowed, but said loudly: production is meant to run on PostgreSQL.
        pass

    return {
        "TRACKER_ENV": env,
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "OPEN_SIGNUP": _flag("TRACKER_OPEN_SIGNUP"),
        "PUBLIC_URL": os.environ.get("TRACKER_PUBLIC_URL", "http://127.0.0.1:5000"),
        "SESSION_COOKIE_SECURE": production or _flag("TRACKER_SECURE_COOKIES"),
        "HSTS": production,
        # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none, trust nothing).
        "PROXY_COUNT": int(os.environ.get("TRACKER_PROXY_COUNT", "0")),
        **notify_config.from_environment(),  # TWILIO_*, SMTP_*, MAIL_FROM, NOTIFY_*
    }


# Defaults that do not come from the environment: the same everywhere.
STATIC_DEFAULTS: dict = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "tracker_session",
    # A signed-in session lasts at most this long, whatever the activity.
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    # Long enough to write a long diary entry slowly, short enough to limit a stolen page.
    "WTF_CSRF_TIME_LIMIT": int(timedelta(hours=12).total_seconds()),
    # Form posts are small; this refuses absurd bodies before anything parses them.
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "SIGN_IN_WINDOW": timedelta(minutes=15),
    "SIGN_IN_MAX_PER_ACCOUNT": 5,
    "SIGN_IN_MAX_PER_ADDRESS": 20,
    "INVITATION_LIFETIME": timedelta(days=14),
    "BACKDATE_DAYS": 30,
}


def test_config(database_url: str, instance_path: str) -> dict:
    """The config the test suite builds apps with."""
    return {
        "TESTING": True,
        "TRACKER_ENV": "test",
        "SECRET_KEY": "test-secret-key-not-for-anything-else",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": instance_path,
        "OPEN_SIGNUP": True,
        "PUBLIC_URL": "http://localhost",
        "SESSION_COOKIE_SECURE": False,
        "HSTS": False,
        **notify_config.test_values(),
    }
