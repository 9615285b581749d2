"""The follow-up self-management tracker: a Flask application built by `create_app`."""

from __future__ import annotations

import sys

from flask import Flask
from jinja2 import BytecodeCache, ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import clock as tracker_clock
from tracker import config as tracker_config
from tracker import db
from tracker import routing as tracker_routing
from tracker.clock import Clock
from tracker.config import ConfigError, Settings
from tracker.rules import load_rules


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Flask:
    """Build the app from `settings` (default: the environment's) and `clock` (default: the
    system's). The tests pass both."""
    clock = clock or Clock()
    if settings is None:
        settings = _settings_from_environment(clock)
    app = Flask(__name__, static_folder=None, instance_path=None)
    tracker_routing.init_app(app)  # before any route is added: ids in URLs
    tracker_config.init_app(app, settings)
    tracker_clock.init_app(app, clock)

    # A broken rules file must stop the service starting, not fail a detection run at night.
    load_rules()
    _configure_templates(app)
    _trust_proxies(app)
    db.init_app(app)

    from tracker import assets, cli, errors, formatting, logs, security, staticfiles
    from tracker.alerts.views import bp as alerts_bp
    from tracker.auth import init_app as init_auth
    from tracker.auth.nhs_login_views import bp as nhs_login_bp
    from tracker.auth.recovery_views import bp as recovery_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.contact_requests.views import bp as contact_requests_bp
    from tracker.diary.views import bp as diary_bp
    from tracker.export.views import bp as your_data_bp
    from tracker.home import bp as home_bp
    from tracker.notify.views import bp as notify_bp
    from tracker.notify.webhooks import bp as twilio_bp
    from tracker.ops import metrics
    from tracker.ops.views import bp as ops_bp
    from tracker.patients.views import bp as patients_bp
    from tracker.settings.views import bp as settings_bp
    from tracker.support.admin_views import bp as support_admin_bp
    from tracker.support.views import bp as support_bp
    from tracker.team import init_app as init_team
    from tracker.team.views import bp as team_bp

    logs.init_app(app)
    metrics.init_app(app)
    security.init_app(app)
    init_auth(app)
    init_team(app)
    # Twilio has no CSRF token to send: the webhooks' signature check stands in for it.
    security.csrf.exempt(twilio_bp)
    app.register_blueprint(notify_bp)  # the dev outbox
    app.register_blueprint(patients_bp)  # contact preferences
    app.register_blueprint(twilio_bp)
    errors.init_app(app)
    formatting.init_app(app)
    blueprints = (ops_bp, assets.bp, home_bp, auth_bp, nhs_login_bp, diary_bp, settings_bp)
    blueprints = (*blueprints, alerts_bp, support_bp)
    blueprints += (your_data_bp, contact_requests_bp)
    for blueprint in (*blueprints, team_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(support_admin_bp)  # /team/support/: the directory's administration
    app.register_blueprint(recovery_bp)  # getting back into an account
    staticfiles.init_app(app)
    cli.init_app(app)
    if settings.web.jobs_in_web:
        from jobs.dev import start_in_dev_server  # `make run` only; see jobs/dev.py

        start_in_dev_server(app)
    return app


def _settings_from_environment(clock: Clock) -> Settings:
    # A bad setting stops start-up with one line naming the variable, not a traceback.
    try:
        return tracker_config.from_environment(clock=clock)
    except ConfigError as exc:
        print(f"tracker: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _trust_proxies(app: Flask) -> None:
    # Behind a TLS proxy the client's address (for sign-in limits) and the scheme come from
    # X-Forwarded-* headers, trusted only for the number of proxies the operator says exist.
    count = tracker_config.of(app).web.proxy_count
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app in this process (the test suite builds hundreds)."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE_CACHE = _ProcessBytecodeCache()


def _configure_templates(app: Flask) -> None:
    # Our templates first, then the NHS.UK design system's macros from nhsuk-frontend-jinja.
    app.jinja_options = {
        **app.jinja_options,
        "undefined": ChainableUndefined,
        # The design system's macros are .jinja files, which Flask would not autoescape:
        # without this, text passed to them (a patient's note, a team's name) is written raw.
        "autoescape": True,
        "extensions": ["jinja2.ext.do"],
        "bytecode_cache": _BYTECODE_CACHE,
        "loader": ChoiceLoader(
            [
                FileSystemLoader(str(tracker_config.PROJECT_ROOT / "templates")),
                PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
    }
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
