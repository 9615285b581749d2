"""The built static files in a real browser, under the app's own content security policy: the
pages load the hashed stylesheets and modules, and the modules' hashed imports resolve."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import PHONE
from tracker import create_app
from tracker.clock import Clock
from tracker.config import for_tests
from tracker.staticfiles import build


@pytest.fixture
def built_server(database_url, tmp_path):
    root = tmp_path / "static"
    manifest = build(root)
    settings = for_tests(database_url, str(tmp_path / "instance"), web={"static_root": str(root)})
    app = create_app(settings, Clock())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", manifest
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["engine"].dispose()


def test_hashed_files_load_and_run_under_the_apps_csp(browser, built_server):
    url, manifest = built_server
    # No bypass_csp here: the policy the app sends is the one the browser enforces.
    context = browser.new_context(base_url=url, **PHONE)
    page = context.new_page()
    loaded: dict[str, int] = {}
    problems: list[str] = []
    page.on("response", lambda r: loaded.__setitem__(r.url.removeprefix(url), r.status))
    # Only our own files: the web font's host is unreachable here on purpose (CHROMIUM_ARGS).
    page.on("requestfailed", lambda r: r.url.startswith(url) and problems.append(r.url))
    page.on(
        "console",
        lambda m: (
            m.type == "error" and "ERR_NAME_NOT_RESOLVED" not in m.text and problems.append(m.text)
        ),
    )
    try:
        page.goto("/sign-in")
        page.wait_for_load_state("networkidle")
        for source in (
            "/assets/nhsuk-frontend.min.css",
            "/static/css/app.css",
            "/static/js/app.mjs",
            "/assets/nhsuk-frontend.min.js",  # imported by app.mjs, by its hashed name
            "/static/js/drafts.mjs",
        ):
            assert loaded.get(manifest[source]) == 200, (source, loaded)
        assert problems == []
        # The design system's stylesheet applies: its header is NHS blue.
        colour = page.evaluate(
            "getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor"
        )
        assert colour == "rgb(0, 94, 184)"
    finally:
        context.close()
