"""Accessibility checks with axe-core, injected into the page under test.

    from tests.browser.axe import assert_accessible
    page.goto("/diary/")
    assert_accessible(page)

axe-core comes from npm (a devDependency, installed by `make install`), not from a CDN. The
browser context must be made with bypass_csp=True (the `page` fixture does), or the app's CSP
blocks the injected script.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from tracker.config import PROJECT_ROOT

AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.2 AA, the NHS service standard's level, and every level below it; and axe's
# best-practice rules (landmarks, heading order), which catch what a screen reader user meets.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""


@dataclass
class Visit:
    url: str
    checked: bool = False


@dataclass
class _Tracked:
    name: str
    visits: list[Visit] = field(default_factory=list)
    screenshots: int = 0


_tracked: WeakKeyDictionary = WeakKeyDictionary()


def track(page, name: str) -> list[Visit]:
    """Record each document `page` loads, so the fixture can tell if one was never checked."""
    tracked = _tracked[page] = _Tracked(name)
    page.on("load", lambda: tracked.visits.append(Visit(page.url)))
    return tracked.visits


def _axe_source() -> str:
    if not AXE_JS.is_file():
        raise AssertionError(f"{AXE_JS} is missing: run `make install` (npm ci installs axe-core)")
    return AXE_JS.read_text()


def violations(page, tags: list[str] | None = None) -> list[dict]:
    """axe-core's violations on the page as it is now (injecting axe-core if it isn't there)."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_source())
    return page.evaluate(_RUN, tags or WCAG_TAGS)


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(str(t) for t in node['target'])}")
            lines.append(f"       {node['html'][:300]}")
            for line in (node["summary"] or "").splitlines():
                lines.append(f"       {line}")
    return "\n".join(lines)


def assert_accessible(page, tags: list[str] | None = None) -> None:
    """Fail, listing every violation, if axe-core finds any WCAG 2.2 AA or best-practice problem."""
    found = violations(page, tags)
    tracked = _tracked.get(page)
    if tracked and tracked.visits:
        tracked.visits[-1].checked = True
    _maybe_screenshot(page)
    assert not found, f"axe-core found {len(found)} problem(s) on {page.url}:\n{describe(found)}"


def assert_accessible_without_script(page, scripted) -> None:
    """As assert_accessible, for a page whose context has JavaScript off: axe-core cannot run
    there (the page's timers never fire), so a copy of the document as served, its scripts
    removed, is checked in `scripted`, a page of a context with JavaScript on."""
    page.wait_for_load_state("load")
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(page.url))
    served = re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.S | re.I)
    scripted.goto(origin)  # the same origin, so the copy's stylesheets load as on the page
    scripted.set_content(served)
    found = violations(scripted)
    tracked = _tracked.get(page)
    if tracked and tracked.visits:
        tracked.visits[-1].checked = True
    _maybe_screenshot(page)
    assert not found, f"axe-core found {len(found)} problem(s) on {page.url}:\n{describe(found)}"


def _maybe_screenshot(page) -> None:
    folder = os.environ.get("TRACKER_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    tracked = _tracked.get(page) or _Tracked("page")
    tracked.screenshots += 1
    name = _slug(tracked.name)
    where = _slug(urlsplit(page.url).path) or "root"
    path = Path(folder) / f"{name}-{tracked.screenshots:02d}-{where}.png"
    page.screenshot(path=str(path), full_page=True)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
