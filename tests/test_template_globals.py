"""No template global reads the database: pages read their data in the view and pass it in.

A global that queries hides a read (and a session) inside rendering, where a page can call it
any number of times and an email renderer has no request at all.
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import before_render_template, template_rendered
from sqlalchemy import event

# Helpers that only format or read the request: nothing behind them touches the database.
PURE = {"csp_nonce", "static_url"}  # static_url: a lookup in the static build's manifest


def _ours(app) -> set[str]:
    return {
        name
        for name, value in app.jinja_env.globals.items()
        if callable(value) and (getattr(value, "__module__", "") or "").startswith("tracker")
    }


def test_the_apps_template_globals_are_only_pure_helpers(app):
    unexpected = _ours(app) - PURE
    assert not unexpected, f"pass these in from the view instead: {sorted(unexpected)}"
    for gone in (
        "team_in_touch",
        "team_seen_by",
        "support_for_prompt",
        "undelivered_prompts",
        "check_in_questions",
    ):
        assert gone not in app.jinja_env.globals


@contextmanager
def _queries_while_rendering(app):
    """Collect the SQL run between a template starting and finishing to render."""
    rendering: list[str] = []
    seen: list[str] = []

    def started(_sender, template, **_extra):
        rendering.append(template.name)

    def finished(_sender, template, **_extra):
        rendering.pop()

    def executed(_conn, _cursor, statement, *_args):
        if rendering:
            seen.append(f"{rendering[-1]}: {statement}")

    engine = app.extensions["engine"]
    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", executed)
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)


def test_the_patients_pages_run_no_query_while_rendering(app, patient_client):
    """The diary and settings pages, which showed notices and check-ins through globals."""
    with _queries_while_rendering(app) as seen:
        for page in ("/diary/", "/settings/"):
            assert patient_client.get(page).status_code == 200
    assert seen == []
