"""The settings: one typed, frozen object, read once from the environment (and `instance/`).

`create_app` builds it with `from_environment()` (the tests pass their own, from `for_tests`),
holds it, and everything else is handed it or asks `current()`. Nothing outside this module
reads the environment. Each default is written here, once.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask, current_app

from tracker.clock import Clock

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
DEFAULT_STATIC_ROOT = PROJECT_ROOT / "build" / "static"  # `flask assets build` writes here
EXTENSION = "tracker.settings"

# The service's own time zone: of the daily run, of teams' days, and a new patient's default.
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_PORT = 5000
# 04:30 exists, and exists once, on every day of every European time zone: clocks change at
# 01:00 UTC, between 01:00 and 04:00 local time. (02:30 is skipped in spring in Paris or
# Berlin; in London, 01:00 to 02:00 is skipped in March and happens twice in October.)
DEFAULT_DETECT_AT = "04:30"
DEFAULT_ASSESS_LOST_MINUTES = 5
# Every outbound call has a hard timeout: the twilio library and smtplib have none by default,
# and a hung provider would otherwise hold a dispatcher (and its leases) for ever.
DEFAULT_SEND_TIMEOUT = 10.0
DEFAULT_SMTP_PORT = 587
DEFAULT_MAIL_FROM = "diary@localhost"


class ConfigError(RuntimeError):
    """The environment does not describe a safe, working service."""


# ---- the settings, by area ---------------------------------------------------------------------


@dataclass(frozen=True)
class WebSettings:
    """What the web app serves, and how."""

    public_url: str = f"http://127.0.0.1:{DEFAULT_PORT}"
    open_signup: bool = False
    secure_cookies: bool = False
    hsts: bool = False
    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none, trust nothing).
    proxy_count: int = 0
    # `make run`: the scheduler inside the development server (never in production).
    jobs_in_web: bool = False
    # Werkzeug marks the serving child of `flask run --debug`'s reloader with WERKZEUG_RUN_MAIN.
    reloader_child: bool = False
    # A signed-in session lasts at most this long, whatever the activity.
    session_lifetime: timedelta = timedelta(hours=12)
    # Staff sessions end after this long without a request.
    staff_idle: timedelta = timedelta(minutes=30)
    invitation_lifetime: timedelta = timedelta(days=14)
    # How far back a patient may date an entry.
    backdate_days: int = 30
    # Where `flask assets build` writes hashed, compressed static files, served by WhiteNoise
    # when built. None: tracker.assets serves them from node_modules and tracker/static.
    static_root: str | None = None
    # The bearer token a Prometheus scraper sends for /metrics; without it, /metrics is a 404.
    metrics_token: str | None = None


@dataclass(frozen=True)
class DatabaseSettings:
    url: str


@dataclass(frozen=True)
class NotifySettings:
    """Twilio, SMTP, and how hard a dispatcher may push."""

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = DEFAULT_SMTP_PORT
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = DEFAULT_MAIL_FROM
    send_timeout: float = DEFAULT_SEND_TIMEOUT
    workers: int = 8
    # The whole service's send rates, held across every dispatcher (tracker.notify.sendrate).
    # A UK long code sends about one segment a second, and Twilio fails what is still queued
    # after 10 hours; a Messaging Service sends from a pool of `sms_numbers` numbers at once.
    sms_segments_per_second: float = 1.0  # for each sending number
    sms_numbers: int = 1
    email_per_second: float = 20.0
    # 5 attempts with delays of 1, 2, 4 and 8 minutes: about a quarter of an hour of trying
    # before a channel is given up and the patient's other channel is tried.
    max_attempts: int = 5
    # A dispatch pass stops claiming after this long: the next one starts a minute after the last.
    pass_seconds: float = 50.0

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


@dataclass(frozen=True)
class JobSettings:
    """When the daily detection runs, in the service's time zone."""

    detect_at: time
    timezone: ZoneInfo
    # A run missed because the scheduler was down or busy is still run this long after its
    # time (once: missed runs are coalesced), so a scheduler back the same day runs that day's.
    misfire_grace: timedelta = timedelta(hours=12)
    # The lost-assessment job (rules §4): how often it looks for diaries changed but not
    # assessed since, and how long a save's own assessment is given to finish first.
    assess_lost_every: timedelta = timedelta(minutes=DEFAULT_ASSESS_LOST_MINUTES)
    assess_lost_after: timedelta = timedelta(minutes=2)


@dataclass(frozen=True)
class SignInLimits:
    """How many failed sign-ins are allowed, per account and per address, within one window."""

    window: timedelta = timedelta(minutes=15)
    per_account: int = 5
    per_address: int = 20
    # Requests for a password reset in the same window: per account (both ways of asking count
    # together) and per client address.
    resets_per_account: int = 3
    resets_per_address: int = 10

    @property
    def minutes(self) -> int:
        """The window in whole minutes, for telling people how long to wait."""
        return max(1, round(self.window.total_seconds() / 60))


# The identity level asked of NHS login: P9 (identity checked in person or by a photo ID and a
# face scan) with any of its three proofs, as a health record needs. A trust may ask for others.
DEFAULT_NHS_LOGIN_VTR = '["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]'
DEFAULT_NHS_LOGIN_SCOPE = "openid profile"


@dataclass(frozen=True)
class NhsLoginSettings:
    """Signing in with NHS login (OpenID Connect): off unless the issuer, the client id and the
    client's private key are all set."""

    issuer: str | None = None
    client_id: str | None = None
    private_key_pem: str | None = field(default=None, repr=False)
    key_id: str | None = None
    vtr: str = DEFAULT_NHS_LOGIN_VTR
    scope: str = DEFAULT_NHS_LOGIN_SCOPE

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id and self.private_key_pem)

    @property
    def levels(self) -> frozenset[str]:
        """The vectors of trust asked for: an ID token must carry one of them (`vot`)."""
        return frozenset(json.loads(self.vtr))


# What the accessibility statement and privacy notice say until the deployer says who they are:
# plainly placeholders, and refused in production (check_owner).
PLACEHOLDER = "(not set)"


@dataclass(frozen=True)
class OwnerSettings:
    """Who runs the service, for its accessibility statement and privacy notice."""

    organisation: str = f"The organisation that runs this diary {PLACEHOLDER}"
    address: str = PLACEHOLDER
    contact_email: str = PLACEHOLDER  # the controller's contact for the public
    dpo_email: str = PLACEHOLDER  # the Data Protection Officer's
    accessibility_email: str = PLACEHOLDER  # where to report an accessibility problem
    accessibility_phone: str | None = None
    statement_prepared: date | None = None
    statement_reviewed: date | None = None
    accessibility_tested: date | None = None
    privacy_updated: date | None = None
    # Adult health records: the NHS Records Management Code of Practice's minimum.
    records_kept_years: int = 8


# What production must set, each variable with the value it fills.
OWNER_VARIABLES = {
    "TRACKER_ORG_NAME": "organisation",
    "TRACKER_ORG_ADDRESS": "address",
    "TRACKER_ORG_EMAIL": "contact_email",
    "TRACKER_DPO_EMAIL": "dpo_email",
    "TRACKER_ACCESSIBILITY_EMAIL": "accessibility_email",
    "TRACKER_ACCESSIBILITY_PREPARED": "statement_prepared",
    "TRACKER_ACCESSIBILITY_REVIEWED": "statement_reviewed",
    "TRACKER_ACCESSIBILITY_TESTED": "accessibility_tested",
    "TRACKER_PRIVACY_UPDATED": "privacy_updated",
}


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    instance_path: str
    database: DatabaseSettings
    web: WebSettings
    notify: NotifySettings
    jobs: JobSettings
    sign_in: SignInLimits = field(default_factory=SignInLimits)
    nhs_login: NhsLoginSettings = field(default_factory=NhsLoginSettings)
    owner: OwnerSettings = field(default_factory=OwnerSettings)
    testing: bool = False

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def timezone(self) -> ZoneInfo:
        """The service's time zone (TRACKER_TIMEZONE)."""
        return self.jobs.timezone

    def flask_config(self) -> dict[str, Any]:
        """What Flask and its extensions read from `app.config`."""
        return {
            "TESTING": self.testing,
            "SECRET_KEY": self.secret_key,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_NAME": "tracker_session",
            "SESSION_COOKIE_SECURE": self.web.secure_cookies,
            "PERMANENT_SESSION_LIFETIME": self.web.session_lifetime,
            # Long enough to write a long diary entry slowly, short enough to limit a stolen page.
            "WTF_CSRF_TIME_LIMIT": int(timedelta(hours=12).total_seconds()),
            # Form posts are small; this refuses absurd bodies before anything parses them.
            "MAX_CONTENT_LENGTH": 256 * 1024,
        }


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION] = settings
    app.config.update(settings.flask_config())
    app.instance_path = settings.instance_path


def of(app: Flask) -> Settings:
    """The settings an app holds."""
    return app.extensions[EXTENSION]


def current() -> Settings:
    """The current app's settings."""
    return of(current_app)


def changed(settings: Settings, **areas: Any) -> Settings:
    """A copy with some values changed: top-level values directly, an area's as a mapping.

    `changed(s, env="production", notify={"send_timeout": 0.5})`
    """
    updates: dict[str, Any] = {}
    for name, value in areas.items():
        if isinstance(value, Mapping):
            updates[name] = replace(getattr(settings, name), **value)
        else:
            updates[name] = value
    return replace(settings, **updates)


# ---- reading the environment -------------------------------------------------------------------


def from_environment(env: Mapping[str, str] | None = None, clock: Clock | None = None) -> Settings:
    """The settings the environment describes, checked. Raises ConfigError naming the variable.

    The clock dates the check that the daily run's time exists once a day this year and next.
    """
    env = os.environ if env is None else env
    read = _Reader(env)
    name = read.text("TRACKER_ENV", "development")
    production = name == "production"
    instance = read.text("TRACKER_INSTANCE_PATH", str(DEFAULT_INSTANCE))
    secret_key = read.text("SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when TRACKER_ENV=production.")
        secret_key = _local_secret_key(Path(instance))
    port = read.number("PORT", int, DEFAULT_PORT, minimum=1)
    settings = Settings(
        env=name,
        secret_key=secret_key,
        instance_path=instance,
        database=DatabaseSettings(
            url=read.text("TRACKER_DATABASE_URL", f"sqlite:///{Path(instance) / 'tracker.db'}")
        ),
        web=WebSettings(
            # In development the links follow the port `make run` serves on.
            public_url=read.text("TRACKER_PUBLIC_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            open_signup=read.flag("TRACKER_OPEN_SIGNUP", False),
            secure_cookies=production or read.flag("TRACKER_SECURE_COOKIES", False),
            hsts=production,
            proxy_count=read.number("TRACKER_PROXY_COUNT", int, 0, minimum=0),
            jobs_in_web=read.flag("TRACKER_JOBS_IN_WEB", False),
            reloader_child=env.get("WERKZEUG_RUN_MAIN") == "true",
            metrics_token=read.optional("TRACKER_METRICS_TOKEN"),
            # In development the files are served as they are, so an edit shows at once.
            static_root=read.optional("TRACKER_STATIC_ROOT")
            or (str(DEFAULT_STATIC_ROOT) if production else None),
        ),
        notify=_notify_from(read),
        nhs_login=_nhs_login_from(read, Path(instance), production),
        owner=_owner_from(read),
        jobs=JobSettings(
            detect_at=parse_time(read.text("TRACKER_DETECT_AT", DEFAULT_DETECT_AT)),
            timezone=parse_timezone(read.text("TRACKER_TIMEZONE", DEFAULT_TIMEZONE)),
            assess_lost_every=timedelta(
                minutes=read.number(
                    "TRACKER_ASSESS_LOST_EVERY_MINUTES",
                    int,
                    DEFAULT_ASSESS_LOST_MINUTES,
                    minimum=1,
                )
            ),
        ),
    )
    check(settings, (clock or Clock()).now().date())
    check_owner(settings.owner, settings.production)
    return settings


def _nhs_login_from(read: _Reader, instance: Path, production: bool) -> NhsLoginSettings:
    """NHS login's settings; its private key from a file (instance/ by default), never inline."""
    issuer = read.optional("NHS_LOGIN_ISSUER")
    if issuer is None:
        return NhsLoginSettings()
    issuer = issuer.rstrip("/")
    if production and not issuer.startswith("https://"):
        raise ConfigError("NHS_LOGIN_ISSUER must be an https:// address in production.")
    client_id = read.optional("NHS_LOGIN_CLIENT_ID")
    if client_id is None:
        raise ConfigError("NHS_LOGIN_CLIENT_ID must be set with NHS_LOGIN_ISSUER.")
    key_file = Path(read.text("NHS_LOGIN_PRIVATE_KEY_FILE", str(instance / "nhs_login_key.pem")))
    try:
        pem = key_file.read_text("ascii")
    except (OSError, UnicodeDecodeError):
        raise ConfigError(
            f"NHS_LOGIN_PRIVATE_KEY_FILE: cannot read the private key at {key_file}."
        ) from None
    vtr = read.text("NHS_LOGIN_VTR", DEFAULT_NHS_LOGIN_VTR)
    try:
        levels = json.loads(vtr)
    except ValueError:
        levels = None
    if not (isinstance(levels, list) and levels and all(isinstance(v, str) for v in levels)):
        raise ConfigError('NHS_LOGIN_VTR must be a JSON list of vectors, like ["P9.Cp.Cd"].')
    return NhsLoginSettings(
        issuer=issuer,
        client_id=client_id,
        private_key_pem=pem,
        key_id=read.optional("NHS_LOGIN_KEY_ID"),
        vtr=vtr,
        scope=read.text("NHS_LOGIN_SCOPE", DEFAULT_NHS_LOGIN_SCOPE),
    )


def _owner_from(read: _Reader) -> OwnerSettings:
    defaults = OwnerSettings()
    values: dict[str, Any] = {}
    for name, key in OWNER_VARIABLES.items():
        value = read.optional(name)
        if value is None:
            continue
        if isinstance(getattr(defaults, key), str):
            values[key] = value
            if key.endswith("email") and not _looks_like_email(value):
                raise ConfigError(f"{name} must be an email address, not {value!r}.")
        else:
            values[key] = _parse_day(name, value)
    return replace(
        defaults,
        **values,
        accessibility_phone=read.optional("TRACKER_ACCESSIBILITY_PHONE"),
        records_kept_years=read.number(
            "TRACKER_RECORDS_KEPT_YEARS", int, defaults.records_kept_years, minimum=1
        ),
    )


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(local and at and "." in domain and " " not in value)


def _parse_day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{name} must be a date written 2026-12-01, not {value!r}.") from None


def _notify_from(read: _Reader) -> NotifySettings:
    defaults = NotifySettings()
    if read.optional("NOTIFY_RATE_PER_SECOND"):
        # It capped each dispatcher process on its own; a value left set would silently change
        # nothing, so a deployment that relied on it is told what replaced it.
        raise ConfigError(
            "NOTIFY_RATE_PER_SECOND is no longer read: the send rate is the whole service's. "
            "Set NOTIFY_SMS_SEGMENTS_PER_SECOND, NOTIFY_SMS_NUMBERS and NOTIFY_EMAIL_PER_SECOND."
        )
    return NotifySettings(
        twilio_account_sid=read.optional("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=read.optional("TWILIO_AUTH_TOKEN"),
        twilio_from=read.optional("TWILIO_FROM"),
        twilio_messaging_service_sid=read.optional("TWILIO_MESSAGING_SERVICE_SID"),
        twilio_api_base_url=read.optional("TWILIO_API_BASE_URL"),
        smtp_host=read.optional("SMTP_HOST"),
        smtp_port=read.number("SMTP_PORT", int, defaults.smtp_port, minimum=1),
        smtp_username=read.optional("SMTP_USERNAME"),
        smtp_password=read.optional("SMTP_PASSWORD"),
        smtp_starttls=read.flag("SMTP_STARTTLS", defaults.smtp_starttls),
        mail_from=read.optional("MAIL_FROM") or defaults.mail_from,
        send_timeout=read.number("NOTIFY_SEND_TIMEOUT", float, defaults.send_timeout, above=0),
        workers=read.number("NOTIFY_WORKERS", int, defaults.workers, minimum=1),
        sms_segments_per_second=read.number(
            "NOTIFY_SMS_SEGMENTS_PER_SECOND", float, defaults.sms_segments_per_second, above=0
        ),
        sms_numbers=read.number("NOTIFY_SMS_NUMBERS", int, defaults.sms_numbers, minimum=1),
        email_per_second=read.number(
            "NOTIFY_EMAIL_PER_SECOND", float, defaults.email_per_second, above=0
        ),
        max_attempts=read.number("NOTIFY_MAX_ATTEMPTS", int, defaults.max_attempts, minimum=1),
    )


N = TypeVar("N", int, float)


class _Reader:
    """Reads variables, refusing a bad value with one line that names the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def text(self, name: str, default: str) -> str:
        value = self.env.get(name)
        return value.strip() if value and value.strip() else default

    def optional(self, name: str) -> str | None:
        value = self.env.get(name)
        return value.strip() if value and value.strip() else None

    def flag(self, name: str, default: bool) -> bool:
        value = self.optional(name)
        if value is None:
            return default
        if value.lower() in {"1", "true", "yes", "on"}:
            return True
        if value.lower() in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{name} must be 1 or 0 (on or off), not {value!r}.")

    def number(
        self,
        name: str,
        kind: Callable[[str], N],
        default: N,
        minimum: N | None = None,
        above: N | None = None,
    ) -> N:
        value = self.optional(name)
        if value is None:
            return default
        try:
            number = kind(value)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{name} must be {what}, not {value!r}.") from None
        if (minimum is not None and number < minimum) or (above is not None and number <= above):
            bound = f"{minimum} or more" if minimum is not None else f"more than {above}"
            raise ConfigError(f"{name} must be {bound}, not {value!r}.")
        return number


def _local_secret_key(instance: Path) -> str:
    """A random key kept in instance/ so local sessions survive restarts; not for production."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA time zone, such as Europe/London."""
    # ZoneInfo opens any file under the zone database: "Europe" alone is a folder, not a zone.
    if name not in available_timezones():
        raise ConfigError(f"TRACKER_TIMEZONE {name!r} is not a known time zone.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"TRACKER_TIMEZONE {name!r} is not a known time zone.") from exc


def parse_time(value: str) -> time:
    """A time of day written HH:MM."""
    try:
        parsed = datetime.strptime(value.strip(), "%H:%M")
    except ValueError as exc:
        raise ConfigError(f"TRACKER_DETECT_AT {value!r} is not a time like 04:30.") from exc
    return parsed.time()


# ---- checks ------------------------------------------------------------------------------------


def check(settings: Settings, today: date) -> None:
    """Refuse settings that would not give a safe, working service."""
    check_notify(settings.notify, settings.web.public_url)
    check_metrics_token(settings.web.metrics_token)
    check_once_a_day(settings.jobs.detect_at, settings.jobs.timezone, today.year)


# A guessable token would open the service's figures to anyone who can reach it.
METRICS_TOKEN_MIN_LENGTH = 24


def check_metrics_token(token: str | None) -> None:
    """Refuse a metrics token short enough to guess."""
    if token is not None and len(token) < METRICS_TOKEN_MIN_LENGTH:
        raise ConfigError(
            f"TRACKER_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters "
            "(for example, the output of `openssl rand -hex 32`)."
        )


def check_notify(notify: NotifySettings, public_url: str) -> None:
    """Refuse half a configuration: it would look like texts are sent when none can be."""
    if bool(notify.twilio_account_sid) != bool(notify.twilio_auth_token):
        raise ConfigError("Set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither.")
    if notify.twilio_account_sid and not (
        notify.twilio_from or notify.twilio_messaging_service_sid
    ):
        raise ConfigError("Set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID to send texts.")
    if notify.smtp_host and notify.mail_from == DEFAULT_MAIL_FROM:
        raise ConfigError("Set MAIL_FROM (the address emails come from) with SMTP_HOST.")
    if bool(notify.smtp_username) != bool(notify.smtp_password):
        raise ConfigError("Set both SMTP_USERNAME and SMTP_PASSWORD, or neither.")
    from tracker.notify.sms_words import health_words

    if health_words(public_url):
        # Every text carries a link to the diary: the address must say nothing about health.
        raise ConfigError("TRACKER_PUBLIC_URL must not name a condition or body part.")


def check_owner(owner: OwnerSettings, production: bool) -> None:
    """In production, refuse an accessibility statement or privacy notice with placeholders:
    both are required by law to say who runs the service and how to reach them."""
    if not production:
        return
    defaults = OwnerSettings()
    for name, key in OWNER_VARIABLES.items():
        if getattr(owner, key) == getattr(defaults, key):
            raise ConfigError(f"{name} must be set when TRACKER_ENV=production.")


def check_once_a_day(at: time, zone: ZoneInfo, year: int) -> None:
    """Refuse a time that some day skips (spring) or has twice (autumn) in `zone`."""
    first = date(year, 1, 1)
    # This year and the next: time zone rules rarely change, and the check is cheap.
    for offset in range(2 * 366):
        local = datetime.combine(first + timedelta(days=offset), at)
        # fold=0 and fold=1 disagree only in a gap or an overlap of the local clock.
        if local.replace(tzinfo=zone, fold=0).utcoffset() != (
            local.replace(tzinfo=zone, fold=1).utcoffset()
        ):
            raise ConfigError(
                f"TRACKER_DETECT_AT {at:%H:%M} is skipped or repeated in {zone.key} on "
                f"{local:%Y-%m-%d} when the clocks change; choose a time outside that hour."
            )


# ---- the tests' settings -----------------------------------------------------------------------


def for_tests(database_url: str, instance_path: str, **areas: Any) -> Settings:
    """The settings the test suite builds apps with: no providers (the console channel), fast
    dispatch passes, open sign-up. `areas` as for `changed`."""
    base = Settings(
        env="test",
        secret_key="test-secret-key-not-for-anything-else",  # noqa: S106
        instance_path=instance_path,
        database=DatabaseSettings(url=database_url),
        web=WebSettings(public_url="http://localhost", open_signup=True),
        notify=NotifySettings(
            smtp_port=25,
            smtp_starttls=False,
            mail_from="diary@example.test",
            send_timeout=5.0,
            workers=4,
            sms_segments_per_second=1000.0,
            email_per_second=1000.0,
        ),
        jobs=JobSettings(
            detect_at=parse_time(DEFAULT_DETECT_AT), timezone=ZoneInfo(DEFAULT_TIMEZONE)
        ),
        testing=True,
    )
    return changed(base, **areas)
