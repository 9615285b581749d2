"""The messaging settings: Twilio, SMTP, and how hard the dispatcher may push.

`from_environment` is merged into the app's config by `tracker.config.from_environment`;
`settings(app)` reads them back, with defaults, as one typed object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

# Every outbound call has a hard timeout: the twilio library and smtplib have none by default,
# and a hung provider would otherwise hold a dispatcher (and its leases) for ever.
DEFAULT_SEND_TIMEOUT = 10.0
DEFAULT_WORKERS = 8
# Per dispatcher process. Twilio queues what a sender cannot send at once, and a UK long code
# sends about one segment a second; a messaging service with several numbers sends more.
DEFAULT_RATE = 20.0
# 5 attempts with delays of 1, 2, 4 and 8 minutes: about a quarter of an hour of trying before
# a channel is given up and the patient's other channel is tried.
DEFAULT_MAX_ATTEMPTS = 5
# A dispatch pass stops claiming after this long: the next one starts a minute after the last.
DEFAULT_PASS_SECONDS = 50.0


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _blank_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def from_environment(env: Mapping[str, str] | None = None) -> dict:
    """The TWILIO_*, SMTP_*, MAIL_FROM and NOTIFY_* settings from the environment, checked."""
    env = os.environ if env is None else env
    values = {
        "PUBLIC_URL_FOR_TEXTS": env.get("TRACKER_PUBLIC_URL"),
        "TWILIO_ACCOUNT_SID": _blank_none(env.get("TWILIO_ACCOUNT_SID")),
        "TWILIO_AUTH_TOKEN": _blank_none(env.get("TWILIO_AUTH_TOKEN")),
        "TWILIO_FROM": _blank_none(env.get("TWILIO_FROM")),
        "TWILIO_MESSAGING_SERVICE_SID": _blank_none(env.get("TWILIO_MESSAGING_SERVICE_SID")),
        "TWILIO_API_BASE_URL": _blank_none(env.get("TWILIO_API_BASE_URL")),
        "SMTP_HOST": _blank_none(env.get("SMTP_HOST")),
        "SMTP_PORT": int(env.get("SMTP_PORT") or 587),
        "SMTP_USERNAME": _blank_none(env.get("SMTP_USERNAME")),
        "SMTP_PASSWORD": _blank_none(env.get("SMTP_PASSWORD")),
        "SMTP_STARTTLS": _flag(env.get("SMTP_STARTTLS"), True),
        "MAIL_FROM": _blank_none(env.get("MAIL_FROM")),
        "NOTIFY_SEND_TIMEOUT": float(env.get("NOTIFY_SEND_TIMEOUT") or DEFAULT_SEND_TIMEOUT),
        "NOTIFY_WORKERS": int(env.get("NOTIFY_WORKERS") or DEFAULT_WORKERS),
        "NOTIFY_RATE_PER_SECOND": float(env.get("NOTIFY_RATE_PER_SECOND") or DEFAULT_RATE),
        "NOTIFY_MAX_ATTEMPTS": int(env.get("NOTIFY_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS),
    }
    check(values)
    values.pop("PUBLIC_URL_FOR_TEXTS")
    return values


def check(values: Mapping) -> None:
    """Refuse half a configuration: it would look like texts are sent when none can be."""
    # Imported here: tracker.config imports this module to merge these settings.
    from tracker.config import ConfigError

    twilio = [values.get(k) for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")]
    if any(twilio) and not all(twilio):
        raise ConfigError("Set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither.")
    if all(twilio) and not (
        values.get("TWILIO_FROM") or values.get("TWILIO_MESSAGING_SERVICE_SID")
    ):
        raise ConfigError("Set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID to send texts.")
    if values.get("SMTP_HOST") and not values.get("MAIL_FROM"):
        raise ConfigError("Set MAIL_FROM (the address emails come from) with SMTP_HOST.")
    if bool(values.get("SMTP_USERNAME")) != bool(values.get("SMTP_PASSWORD")):
        raise ConfigError("Set both SMTP_USERNAME and SMTP_PASSWORD, or neither.")
    from tracker.notify.sms_words import health_words

    if health_words(values.get("PUBLIC_URL_FOR_TEXTS") or ""):
        # Every text carries a link to the diary: the address must say nothing about health.
        raise ConfigError("TRACKER_PUBLIC_URL must not name a condition or body part.")
    if values.get("NOTIFY_WORKERS", 1) < 1 or values.get("NOTIFY_RATE_PER_SECOND", 1) <= 0:
        raise ConfigError("NOTIFY_WORKERS must be 1 or more and NOTIFY_RATE_PER_SECOND above 0.")


def test_values() -> dict:
    """What the test suite's apps start with: no providers (the console channel), fast passes."""
    return {
        "TWILIO_ACCOUNT_SID": None,
        "TWILIO_AUTH_TOKEN": None,
        "TWILIO_FROM": None,
        "TWILIO_MESSAGING_SERVICE_SID": None,
        "TWILIO_API_BASE_URL": None,
        "SMTP_HOST": None,
        "SMTP_PORT": 25,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": False,
        "MAIL_FROM": "diary@example.test",
        "NOTIFY_SEND_TIMEOUT": 5.0,
        "NOTIFY_WORKERS": 4,
        "NOTIFY_RATE_PER_SECOND": 1000.0,
        "NOTIFY_MAX_ATTEMPTS": DEFAULT_MAX_ATTEMPTS,
    }


@dataclass(frozen=True)
class NotifySettings:
    """The settings one dispatcher or webhook works with."""

    env: str
    public_url: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_from: str | None
    twilio_messaging_service_sid: str | None
    twilio_api_base_url: str | None
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    send_timeout: float
    workers: int
    rate_per_second: float
    max_attempts: int
    pass_seconds: float = DEFAULT_PASS_SECONDS

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def twilio_configured(self) -> bool:
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and (self.twilio_from or self.twilio_messaging_service_sid)
        )

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    @property
    def lease(self) -> timedelta:
        """How long a claim lasts: several send timeouts, so a live send never outlasts it."""
        return timedelta(seconds=max(60.0, 6 * self.send_timeout))


def settings(config: Mapping) -> NotifySettings:
    """The settings from an app's config (missing keys take their defaults)."""
    return NotifySettings(
        env=config.get("TRACKER_ENV", "development"),
        public_url=(config.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/"),
        twilio_account_sid=config.get("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=config.get("TWILIO_AUTH_TOKEN"),
        twilio_from=config.get("TWILIO_FROM"),
        twilio_messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
        twilio_api_base_url=config.get("TWILIO_API_BASE_URL"),
        smtp_host=config.get("SMTP_HOST"),
        smtp_port=int(config.get("SMTP_PORT") or 587),
        smtp_username=config.get("SMTP_USERNAME"),
        smtp_password=config.get("SMTP_PASSWORD"),
        smtp_starttls=bool(config.get("SMTP_STARTTLS", True)),
        mail_from=config.get("MAIL_FROM") or "diary@localhost",
        send_timeout=float(config.get("NOTIFY_SEND_TIMEOUT") or DEFAULT_SEND_TIMEOUT),
        workers=int(config.get("NOTIFY_WORKERS") or DEFAULT_WORKERS),
        rate_per_second=float(config.get("NOTIFY_RATE_PER_SECOND") or DEFAULT_RATE),
        max_attempts=int(config.get("NOTIFY_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS),
        pass_seconds=float(config.get("NOTIFY_PASS_SECONDS") or DEFAULT_PASS_SECONDS),
    )
