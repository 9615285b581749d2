"""Messages to patients and teams: the outbox, the dispatcher, the channels, Twilio's webhooks.

Kept light at import: tracker.config imports `tracker.notify.sms_words` while settings are read.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprints: contact preferences, the dev outbox, and Twilio's webhooks."""
    from tracker.notify.views import bp as views_bp
    from tracker.notify.webhooks import bp as webhooks_bp
    from tracker.security import csrf

    # Twilio has no CSRF token to send: the webhooks' signature check stands in for it.
    csrf.exempt(webhooks_bp)
    app.register_blueprint(views_bp)
    app.register_blueprint(webhooks_bp)
