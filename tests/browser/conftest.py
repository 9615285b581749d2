"""Browser tests: the real app served on loopback, driven by Debian's Chromium through Playwright.

Every test here is marked `browser`. The app runs on its own SQLite database (the PostgreSQL run
adds nothing a browser can see). Chromium is /usr/bin/chromium from Debian, never a Playwright
download. When it is missing, the tests are skipped on a developer's machine and FAIL in CI
(CI=true), so a CI run can never pass without having driven a browser.

Check every page a test visits with `assert_accessible(page)` (tests/browser/axe.py); a test that
loads a page and never checks it fails at teardown. Set TRACKER_SCREENSHOTS=/some/dir to keep a
full-page screenshot of every page checked.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser import axe
from tests.conftest import PASSWORD, make_patient, make_team
from tracker.clock import SYSTEM

CHROMIUM = Path("/usr/bin/chromium")

# Flags that work on these machines (see the environment notes): without the background-networking
# ones, Chromium keeps trying to reach Google and the closed network refuses it. The resolver rule
# makes any host other than loopback fail at once (the design system's web font among them), so a
# page never waits on the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]

# A phone: the size most patients will use.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

PATIENT_EMAIL = "sam.browser@example.test"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_PASSED] = report.passed
    return report


_CALL_PASSED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """Overrides the shared fixture: SQLite only, so the browser tests run once, not per backend."""
    from tracker.db import make_engine
    from tracker.models import Base

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'browser.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


@dataclass
class LiveServer:
    url: str
    email: str
    password: str


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The app, with a team and a patient, served for real on a free loopback port."""
    from tracker import db

    with app.app_context():
        s = db.session()
        # Prompts by email, as every sign-up has them (rules v2 §4): a patient reached by no
        # channel sees a banner on every diary page (tests/browser/test_consents.py).
        make_patient(s, make_team(s), email=PATIENT_EMAIL, email_consent_at=SYSTEM.now())

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", PATIENT_EMAIL, PASSWORD)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Package scope, not session: a live sync Playwright keeps an asyncio loop running on this thread,
# which would break asyncio.run() in any test that ran after it.
# Under xdist each worker that draws browser tests launches a Chromium of its own. Keeping them all
# on one worker measured no faster, and xdist_group marks would not do it anyway: with pytest 9.2,
# xdist 3.8's --dist loadgroup silently ignores them (pytest-dev/pytest-xdist#1386).
@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(request, browser, live_server):
    """A fresh phone-sized page (no cookies) whose relative URLs go to the live server.

    The app's strict CSP would block the injected axe-core script, hence bypass_csp.
    """
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    visits = axe.track(page, request.node.name)
    try:
        yield page
    finally:
        context.close()
    if request.node.stash.get(_CALL_PASSED, False):  # a failed test has said enough already
        unchecked = [v.url for v in visits if not v.checked]
        if unchecked:
            pytest.fail(
                "pages loaded but never checked with assert_accessible(page): "
                + ", ".join(unchecked),
                pytrace=False,
            )


@pytest.fixture
def signed_in_page(page, live_server):
    """`page`, signed in through the real sign-in form as the live server's patient."""
    sign_in(page, live_server)
    return page


def sign_in(page, server: LiveServer) -> None:
    page.goto("/sign-in")
    axe.assert_accessible(page)
    page.locator("#email").fill(server.email)
    page.locator("#password").fill(server.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/diary/")
