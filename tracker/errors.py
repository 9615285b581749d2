"""Error pages in the service's own words."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError


def init_app(app: Flask) -> None:
    app.register_error_handler(404, lambda e: (render_template("errors/404.html"), 404))
    app.register_error_handler(405, lambda e: (render_template("errors/404.html"), 405))
    app.register_error_handler(413, lambda e: (render_template("errors/413.html"), 413))
    app.register_error_handler(CSRFError, lambda e: (render_template("errors/csrf.html"), 400))
    app.register_error_handler(500, lambda e: (render_template("errors/500.html"), 500))
