"""The summary as a PDF, drawn by WeasyPrint from the same HTML the browser prints.

The page it is given links to nothing: its stylesheet is inlined (export/pdf_layout.html) and
its charts are inline SVG, so WeasyPrint never fetches a URL. Text stays text in the PDF.
"""

from __future__ import annotations

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetchingError


class _NoFetching(URLFetcher):
    """Refuses every URL: the page needs none, and a request must never reach out."""

    def fetch(self, url, headers=None):
        raise URLFetchingError(f"not fetched: {url[:40]}")


def pdf_of(html: str) -> bytes:
    """The PDF of a self-contained HTML page."""
    return HTML(string=html, url_fetcher=_NoFetching()).write_pdf()
