"""Static files for production: content-hashed copies, compressed, served by WhiteNoise.

`flask assets build` copies what the pages use (the NHS.UK design system's CSS, JS and images,
and tracker/static) into a build folder, twice over: under its own name, and under a name with
a hash of its content (`app.3f2c9a1b7d4e.css`). Inside the CSS and JS, references to other
files are rewritten to their hashed names. Each file also gets .gz and .br versions.

When the build folder holds a manifest, the app serves it through WhiteNoise: hashed names
with a year's caching (a new content is a new name), plain names (the favicons the design
system's layout names) for an hour. Without a build (`make run`), tracker.assets serves the
files from node_modules and tracker/static as before, and templates get the plain URLs.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from tracker import config
from tracker.config import DEFAULT_STATIC_ROOT, PROJECT_ROOT

DIST = PROJECT_ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
OWN = PROJECT_ROOT / "tracker" / "static"
MANIFEST = "manifest.json"  # beside the served folder, not in it
FILES = "files"
EXTENSION = "tracker.staticfiles"
YEAR = 365 * 24 * 3600
HOUR = 3600
# name.<12 hex digits>.ext: the names whose content never changes.
_HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
# References to other files: url(...) in CSS, and `from '...'`/`import '...'` in JS modules.
_CSS_URL = re.compile(
    r"""(?P<before>url\((?P<q>['"]?))(?P<ref>/(?:assets|static)/[^)'"?#]+)(?P<after>(?P=q)\))"""
)
_JS_IMPORT = re.compile(
    r"""(?P<before>(?:from|import)\s*(?P<q>['"]))(?P<ref>/(?:assets|static)/[^'"]+)(?P<after>(?P=q))"""
)


def sources() -> Iterator[tuple[str, Path]]:
    """(URL path, file) for every file the pages may ask for, under /assets/ and /static/."""
    yield "/assets/nhsuk-frontend.min.css", DIST / "nhsuk-frontend.min.css"
    yield "/assets/nhsuk-frontend.min.js", DIST / "nhsuk-frontend.min.js"
    for folder, prefix in ((DIST / "assets", "/assets/"), (OWN, "/static/")):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield prefix + path.relative_to(folder).as_posix(), path


def hashed_name(url: str, content: bytes) -> str:
    """`url` with a hash of `content` before its extension."""
    stem, dot, ext = url.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:12]
    return f"{stem}.{digest}.{ext}" if dot else f"{url}.{digest}"


def build(out: Path) -> dict[str, str]:
    """Write the hashed, compressed files under `out`; return the manifest.

    Only `out/files` and `out/manifest.json` are replaced, the files last and in one rename, so
    a wrong `--out` loses nothing else, and a running server finds a whole set of files.
    """
    served = out / FILES
    staging = out / f"{FILES}.new"
    shutil.rmtree(staging, ignore_errors=True)
    pending = dict(sources())
    manifest: dict[str, str] = {}
    while pending:
        # A file is written once every file it refers to has its hashed name (an image before
        # the CSS naming it, drafts.mjs before app.mjs); a cycle, if one came, is cut anywhere.
        ready = [url for url, path in pending.items() if _references(url, path) <= manifest.keys()]
        for url in ready or [next(iter(pending))]:
            content = _rewritten(url, pending.pop(url).read_bytes(), manifest)
            manifest[url] = hashed_name(url, content)
            for name in (url, manifest[url]):
                target = staging / name.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
    _compress(staging)
    old = out / f"{FILES}.old"
    shutil.rmtree(old, ignore_errors=True)
    if served.exists():
        served.rename(old)
    staging.rename(served)
    shutil.rmtree(old, ignore_errors=True)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def _pattern(url: str) -> re.Pattern[str] | None:
    if url.endswith(".css"):
        return _CSS_URL
    if url.endswith((".js", ".mjs")):
        return _JS_IMPORT
    return None


def _references(url: str, path: Path) -> set[str]:
    pattern = _pattern(url)
    if pattern is None:
        return set()
    found = {m.group("ref") for m in pattern.finditer(path.read_text("utf-8"))}
    return found & {u for u, _ in sources()}


def _rewritten(url: str, content: bytes, manifest: dict[str, str]) -> bytes:
    pattern = _pattern(url)
    if pattern is None:
        return content

    def swap(match: re.Match[str]) -> str:
        hashed = manifest.get(match.group("ref"), match.group("ref"))
        return match.group("before") + hashed + match.group("after")

    return pattern.sub(swap, content.decode("utf-8")).encode("utf-8")


def _compress(out: Path) -> None:
    compressor = Compressor(quiet=True)
    for path in sorted(out.rglob("*")):
        if path.is_file() and compressor.should_compress(path.name):
            for _ in compressor.compress(str(path)):
                pass


def load_manifest(root: Path) -> dict[str, str] | None:
    """The build's manifest, or None where no build has been made."""
    path = root / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else None


def static_url(url: str) -> str:
    """The URL to put in a page for the file at `url` (/assets/… or /static/…)."""
    manifest = current_app.extensions.get(EXTENSION)
    return manifest.get(url, url) if manifest else url


def _headers(headers, _path: str, url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"
    if _HASHED.search(url):
        # A hashed name's content never changes: a year, and no revalidation while it lasts.
        headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"


def init_app(app: Flask) -> None:
    """Serve the build through WhiteNoise when there is one, and give templates `static_url`."""
    app.jinja_env.globals["static_url"] = static_url
    root = config.of(app).web.static_root
    manifest = load_manifest(Path(root)) if root else None
    if manifest is None:
        return  # tracker.assets serves the files from where they are
    app.extensions[EXTENSION] = manifest
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(Path(root) / FILES),
        prefix="/",
        max_age=HOUR,
        add_headers_function=_headers,
    )


assets_cli = AppGroup("assets", help="Static files for production (WhiteNoise).")


@assets_cli.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
def build_command(out: Path | None) -> None:
    """Write the hashed, compressed static files to OUT (default: TRACKER_STATIC_ROOT, or
    build/static, where production looks for them)."""
    root = out or Path(config.current().web.static_root or DEFAULT_STATIC_ROOT)
    manifest = build(root)
    click.echo(f"{len(manifest)} files written to {root}")
