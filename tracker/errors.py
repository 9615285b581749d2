"""Error pages in the service's own words."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed, NotFound


def init_app(app: Flask) -> None:
    app.register_error_handler(404, lambda e: (render_template("errors/404.html"), 404))
    app.register_error_handler(405, _method_not_allowed)
    app.register_error_handler(413, lambda e: (render_template("errors/413.html"), 413))
    app.register_error_handler(CSRFError, lambda e: (render_template("errors/csrf.html"), 400))
    app.register_error_handler(500, lambda e: (render_template("errors/500.html"), 500))


def _method_not_allowed(error: MethodNotAllowed):
    """405 where the path exists for another method; 404 where it names nothing.

    Werkzeug answers 405 when a path has the shape of a rule for another method even though a
    converter refused its value: POST /team/teams/2147483648/members is shaped like the GET
    page of that name, but no team has that id (tracker.routing), so it is not found.
    """
    adapter = current_app.create_url_adapter(request)
    for method in error.valid_methods or ():
        try:
            adapter.match(method=method)
        except (NotFound, MethodNotAllowed):
            continue
        return render_template("errors/404.html"), 405
    return render_template("errors/404.html"), 404
