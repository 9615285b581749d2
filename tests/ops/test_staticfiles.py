"""Production static files: content-hashed names, gzip and brotli, a year's caching for hashed
names, served by WhiteNoise; without a build, the files are served from where they are."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from tests.conftest import reconfigure
from tracker import create_app
from tracker.clock import Clock
from tracker.config import for_tests
from tracker.staticfiles import FILES, build, hashed_name, load_manifest

CSS = "/assets/nhsuk-frontend.min.css"
YEAR = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    return root, build(root)


@pytest.fixture
def built_app(built, database_url, tmp_path):
    root, _ = built
    settings = for_tests(database_url, str(tmp_path / "instance"), web={"static_root": str(root)})
    app = create_app(settings, Clock())
    yield app
    app.extensions["engine"].dispose()


def test_every_file_has_a_hashed_name_and_compressed_copies(built):
    root, manifest = built
    assert load_manifest(root) == manifest
    css = (root / FILES / manifest[CSS].lstrip("/")).read_bytes()
    assert manifest[CSS] == hashed_name(CSS, css)
    assert gzip.decompress((root / FILES / (manifest[CSS].lstrip("/") + ".gz")).read_bytes()) == css
    assert (
        brotli.decompress((root / FILES / (manifest[CSS].lstrip("/") + ".br")).read_bytes()) == css
    )


def test_references_inside_css_and_js_name_the_hashed_files(built):
    root, manifest = built
    css = (root / FILES / manifest[CSS].lstrip("/")).read_text()
    images = re.findall(r"url\((/assets/[^)]+)\)", css)
    assert images and all(url in manifest.values() for url in images)
    app_js = (root / FILES / manifest["/static/js/app.mjs"].lstrip("/")).read_text()
    assert manifest["/assets/nhsuk-frontend.min.js"] in app_js
    assert manifest["/static/js/drafts.mjs"] in app_js


def test_pages_link_the_hashed_files_which_are_cached_for_a_year(built, built_app):
    _, manifest = built
    client = built_app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert f'href="{manifest[CSS]}"' in page
    assert f'src="{manifest["/static/js/app.mjs"]}"' in page

    response = client.get(manifest[CSS], headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == YEAR
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.content_type.startswith("text/css")

    gz = client.get(manifest[CSS], headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    plain = client.get(manifest[CSS])
    assert "Content-Encoding" not in plain.headers
    assert brotli.decompress(response.get_data()) == plain.get_data()


def test_plain_names_are_still_served_but_only_for_an_hour(built_app):
    client = built_app.test_client()
    response = client.get("/assets/images/favicon.ico")  # the design system's layout names it
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=3600, public"


def test_without_a_build_pages_link_the_files_where_they_are(app, client):
    reconfigure(app, web={"static_root": None})
    page = client.get("/").get_data(as_text=True)
    assert f'href="{CSS}"' in page
    response = client.get(CSS)
    assert response.status_code == 200
    assert response.content_type.startswith("text/css")


def test_the_build_is_not_served_under_its_manifest(built_app):
    assert built_app.test_client().get("/manifest.json").status_code == 404


def test_a_second_build_replaces_only_its_own_files(tmp_path):
    (tmp_path / "keep.txt").write_text("not the build's")
    first = build(tmp_path)
    (tmp_path / FILES / "stale.css").write_text("from an older build")
    assert build(tmp_path) == first
    assert (tmp_path / "keep.txt").read_text() == "not the build's"
    assert not (tmp_path / FILES / "stale.css").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [FILES, "keep.txt", "manifest.json"]
    )
